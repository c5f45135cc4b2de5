using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OfficerWorkClientId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClientId",
                table: "OfficerWorkItems",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Items written before this migration take their conversation's client.
            migrationBuilder.Sql("""
                UPDATE "OfficerWorkItems" SET "ClientId" = (SELECT c."ClientId" FROM "Conversations" AS c WHERE c."Id" = "OfficerWorkItems"."ConversationId")
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_CreatedAt",
                table: "Tickets",
                column: "CreatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tickets_CreatedAt",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "ClientId",
                table: "OfficerWorkItems");
        }
    }
}
