using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WeComArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WeComArchiveCursors",
                columns: table => new
                {
                    App = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastPullAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    CaughtUpAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    NewestMessageAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Written = table.Column<long>(type: "bigint", nullable: false),
                    SkippedNoConsent = table.Column<long>(type: "bigint", nullable: false),
                    SkippedNoClient = table.Column<long>(type: "bigint", nullable: false),
                    Ignored = table.Column<long>(type: "bigint", nullable: false),
                    Failed = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComArchiveCursors", x => x.App);
                });

            migrationBuilder.CreateTable(
                name: "WeComArchiveFailures",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    App = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    MsgId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    PublicKeyVersion = table.Column<int>(type: "integer", nullable: false),
                    Reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Detail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComArchiveFailures", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WeComArchiveFailures_App_Id",
                table: "WeComArchiveFailures",
                columns: new[] { "App", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WeComArchiveCursors");

            migrationBuilder.DropTable(
                name: "WeComArchiveFailures");
        }
    }
}
