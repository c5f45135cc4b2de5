using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IntentRuleLists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_GuardrailRuleLists_Status",
                table: "GuardrailRuleLists");

            migrationBuilder.DropIndex(
                name: "IX_GuardrailRuleLists_Version",
                table: "GuardrailRuleLists");

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "GuardrailRuleLists",
                type: "TEXT",
                maxLength: 12,
                nullable: false,
                defaultValue: "Guardrail");

            migrationBuilder.CreateIndex(
                name: "IX_GuardrailRuleLists_Kind_Status",
                table: "GuardrailRuleLists",
                columns: new[] { "Kind", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_GuardrailRuleLists_Kind_Version",
                table: "GuardrailRuleLists",
                columns: new[] { "Kind", "Version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_GuardrailRuleLists_Kind_Status",
                table: "GuardrailRuleLists");

            migrationBuilder.DropIndex(
                name: "IX_GuardrailRuleLists_Kind_Version",
                table: "GuardrailRuleLists");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "GuardrailRuleLists");

            migrationBuilder.CreateIndex(
                name: "IX_GuardrailRuleLists_Status",
                table: "GuardrailRuleLists",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_GuardrailRuleLists_Version",
                table: "GuardrailRuleLists",
                column: "Version",
                unique: true);
        }
    }
}
