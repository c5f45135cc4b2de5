using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WeComArchiveQuarantine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempts",
                table: "WeComArchiveFailures",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "EncryptChatMsg",
                table: "WeComArchiveFailures",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EncryptRandomKey",
                table: "WeComArchiveFailures",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeysTried",
                table: "WeComArchiveFailures",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastTriedAt",
                table: "WeComArchiveFailures",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Resolution",
                table: "WeComArchiveFailures",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ResolvedAt",
                table: "WeComArchiveFailures",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "WeComArchiveGaps",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    App = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AfterSeq = table.Column<long>(type: "bigint", nullable: false),
                    BeforeSeq = table.Column<long>(type: "bigint", nullable: true),
                    Missing = table.Column<long>(type: "bigint", nullable: true),
                    DetectedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    AcknowledgedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComArchiveGaps", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WeComArchiveFailures_App_ResolvedAt",
                table: "WeComArchiveFailures",
                columns: new[] { "App", "ResolvedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_WeComArchiveGaps_App_AcknowledgedAt",
                table: "WeComArchiveGaps",
                columns: new[] { "App", "AcknowledgedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WeComArchiveGaps");

            migrationBuilder.DropIndex(
                name: "IX_WeComArchiveFailures_App_ResolvedAt",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "Attempts",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "EncryptChatMsg",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "EncryptRandomKey",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "KeysTried",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "LastTriedAt",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "Resolution",
                table: "WeComArchiveFailures");

            migrationBuilder.DropColumn(
                name: "ResolvedAt",
                table: "WeComArchiveFailures");
        }
    }
}
