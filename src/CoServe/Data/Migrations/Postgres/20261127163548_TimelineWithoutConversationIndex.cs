using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TimelineWithoutConversationIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TimelineEvents_ConversationId",
                table: "TimelineEvents");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_TimelineEvents_ConversationId",
                table: "TimelineEvents",
                column: "ConversationId");
        }
    }
}
