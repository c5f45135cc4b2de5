using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CoServe.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Transfers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TransferClaims",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ClientId = table.Column<long>(type: "bigint", nullable: false),
                    StaffId = table.Column<int>(type: "integer", nullable: false),
                    Note = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Approved = table.Column<bool>(type: "boolean", nullable: true),
                    DecidedByStaffId = table.Column<int>(type: "integer", nullable: true),
                    DecisionReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ItemId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransferClaims", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TransferDecisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PlanId = table.Column<long>(type: "bigint", nullable: true),
                    ItemId = table.Column<long>(type: "bigint", nullable: true),
                    StaffId = table.Column<int>(type: "integer", nullable: false),
                    Action = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransferDecisions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TransferPins",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ClientId = table.Column<long>(type: "bigint", nullable: false),
                    ClientRequest = table.Column<bool>(type: "boolean", nullable: false),
                    Reason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    ApprovedByStaffId = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RemovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransferPins", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TransferPins_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TransferPlans",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Month = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    CreatedByStaffId = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ReviewDeadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ApprovedByStaffId = table.Column<int>(type: "integer", nullable: true),
                    ApprovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ExecutedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransferPlans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WeComTransferRecords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExternalUserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    HandoverUserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    TakeoverUserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComTransferRecords", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TransferItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PlanId = table.Column<long>(type: "bigint", nullable: true),
                    ClientId = table.Column<long>(type: "bigint", nullable: false),
                    Direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    FromStaffId = table.Column<int>(type: "integer", nullable: true),
                    ToStaffId = table.Column<int>(type: "integer", nullable: true),
                    Rule = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    MadaHistory = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    LatestMada = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    AppealReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    AppealedByStaffId = table.Column<int>(type: "integer", nullable: true),
                    DecisionReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    DecidedByStaffId = table.Column<int>(type: "integer", nullable: true),
                    SkipReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    MovedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RolledBackAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    WeComState = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    WeComHandoverUserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    WeComTakeoverUserId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    WeComRequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    WeComNote = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransferItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TransferItems_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_TransferItems_TransferPlans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "TransferPlans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TransferClaims_ClientId_Approved",
                table: "TransferClaims",
                columns: new[] { "ClientId", "Approved" });

            migrationBuilder.CreateIndex(
                name: "IX_TransferDecisions_ItemId",
                table: "TransferDecisions",
                column: "ItemId");

            migrationBuilder.CreateIndex(
                name: "IX_TransferDecisions_PlanId",
                table: "TransferDecisions",
                column: "PlanId");

            migrationBuilder.CreateIndex(
                name: "IX_TransferItems_ClientId",
                table: "TransferItems",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_TransferItems_PlanId_Status",
                table: "TransferItems",
                columns: new[] { "PlanId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_TransferItems_WeComState_WeComTakeoverUserId",
                table: "TransferItems",
                columns: new[] { "WeComState", "WeComTakeoverUserId" });

            migrationBuilder.CreateIndex(
                name: "IX_TransferPins_ClientId",
                table: "TransferPins",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_TransferPlans_Month",
                table: "TransferPlans",
                column: "Month");

            migrationBuilder.CreateIndex(
                name: "IX_WeComTransferRecords_ExternalUserId_At",
                table: "WeComTransferRecords",
                columns: new[] { "ExternalUserId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TransferClaims");

            migrationBuilder.DropTable(
                name: "TransferDecisions");

            migrationBuilder.DropTable(
                name: "TransferItems");

            migrationBuilder.DropTable(
                name: "TransferPins");

            migrationBuilder.DropTable(
                name: "WeComTransferRecords");

            migrationBuilder.DropTable(
                name: "TransferPlans");
        }
    }
}
