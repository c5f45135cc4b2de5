using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PrivacyCenter : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "PersonalDataAccesses",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReaderBranchId",
                table: "PersonalDataAccesses",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReaderRole",
                table: "PersonalDataAccesses",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DataRightsRequests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Right = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DetailCipher = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RemindAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReminderSentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EscalatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReplyCipher = table.Column<byte[]>(type: "BLOB", nullable: true),
                    HandledByStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataRightsRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DataRightsRequests_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_DataRightsRequests_Staff_HandledByStaffId",
                        column: x => x.HandledByStaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DataRightsRequests_ClientId_IdempotencyKey",
                table: "DataRightsRequests",
                columns: new[] { "ClientId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DataRightsRequests_ClientId_ReceivedAt",
                table: "DataRightsRequests",
                columns: new[] { "ClientId", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DataRightsRequests_HandledByStaffId",
                table: "DataRightsRequests",
                column: "HandledByStaffId");

            migrationBuilder.CreateIndex(
                name: "IX_DataRightsRequests_Status_DueAt",
                table: "DataRightsRequests",
                columns: new[] { "Status", "DueAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataRightsRequests");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "PersonalDataAccesses");

            migrationBuilder.DropColumn(
                name: "ReaderBranchId",
                table: "PersonalDataAccesses");

            migrationBuilder.DropColumn(
                name: "ReaderRole",
                table: "PersonalDataAccesses");
        }
    }
}
