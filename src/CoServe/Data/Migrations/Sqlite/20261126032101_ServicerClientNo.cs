using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ServicerClientNo : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClientNo",
                table: "ClientServicers",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Existing servicer rows take their client's number (it never changes).
            migrationBuilder.Sql("UPDATE \"ClientServicers\" SET \"ClientNo\" = (SELECT c.\"ClientNo\" FROM \"Clients\" c WHERE c.\"Id\" = \"ClientServicers\".\"ClientId\");");

            migrationBuilder.CreateIndex(
                name: "IX_ClientServicers_StaffId_ClientNo",
                table: "ClientServicers",
                columns: new[] { "StaffId", "ClientNo" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ClientServicers_StaffId_ClientNo",
                table: "ClientServicers");

            migrationBuilder.DropColumn(
                name: "ClientNo",
                table: "ClientServicers");
        }
    }
}
