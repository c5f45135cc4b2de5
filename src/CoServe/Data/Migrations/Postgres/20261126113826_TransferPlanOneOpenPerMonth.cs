using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TransferPlanOneOpenPerMonth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TransferPlans_Month",
                table: "TransferPlans");

            migrationBuilder.CreateIndex(
                name: "IX_TransferPlans_Month",
                table: "TransferPlans",
                column: "Month",
                unique: true,
                filter: "\"Status\" <> 'Cancelled'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TransferPlans_Month",
                table: "TransferPlans");

            migrationBuilder.CreateIndex(
                name: "IX_TransferPlans_Month",
                table: "TransferPlans",
                column: "Month");
        }
    }
}
