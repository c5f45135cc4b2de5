using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RuleListReleases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RuleListReleases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Kind = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    ShippedHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ShippedRulesJson = table.Column<string>(type: "text", nullable: false),
                    BaselineRulesJson = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Summary = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    FoundAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DraftListId = table.Column<long>(type: "bigint", nullable: true),
                    DecidedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RuleListReleases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RuleListReleases_GuardrailRuleLists_DraftListId",
                        column: x => x.DraftListId,
                        principalTable: "GuardrailRuleLists",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RuleListReleases_DraftListId",
                table: "RuleListReleases",
                column: "DraftListId");

            migrationBuilder.CreateIndex(
                name: "IX_RuleListReleases_Kind_ShippedHash",
                table: "RuleListReleases",
                columns: new[] { "Kind", "ShippedHash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RuleListReleases_Kind_Status",
                table: "RuleListReleases",
                columns: new[] { "Kind", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RuleListReleases");
        }
    }
}
