using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    ShippedHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ShippedRulesJson = table.Column<string>(type: "TEXT", nullable: false),
                    BaselineRulesJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    FoundAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DraftListId = table.Column<long>(type: "INTEGER", nullable: true),
                    DecidedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
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
