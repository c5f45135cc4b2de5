using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
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
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReaderBranchId",
                table: "PersonalDataAccesses",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReaderRole",
                table: "PersonalDataAccesses",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DataRightsRequests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ClientId = table.Column<long>(type: "bigint", nullable: false),
                    Right = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    DetailCipher = table.Column<byte[]>(type: "bytea", nullable: false),
                    Channel = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RemindAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ReminderSentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EscalatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ReplyCipher = table.Column<byte[]>(type: "bytea", nullable: true),
                    HandledByStaffId = table.Column<int>(type: "integer", nullable: true),
                    ClosedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
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
