using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Duties : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AmlCases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Rule = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Details = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    TicketId = table.Column<long>(type: "INTEGER", nullable: true),
                    OpenedByStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DecidedByStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    DecisionCipher = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AmlCases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AmlCases_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AmlCases_Tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "Tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "AmlFeedRuns",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    FirstDay = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    LastDay = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Rows = table.Column<long>(type: "INTEGER", nullable: false),
                    Rejected = table.Column<long>(type: "INTEGER", nullable: false),
                    ReportItems = table.Column<int>(type: "INTEGER", nullable: false),
                    Cases = table.Column<int>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AmlFeedRuns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AmlProfiles",
                columns: table => new
                {
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    IdDocumentExpiresOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    KycUpdatedOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    LastReviewedOn = table.Column<DateOnly>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AmlProfiles", x => x.ClientId);
                    table.ForeignKey(
                        name: "FK_AmlProfiles_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "AmlReportItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 28, nullable: false),
                    Total = table.Column<long>(type: "INTEGER", nullable: false),
                    LargestSingle = table.Column<long>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReportedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReportedByStaffId = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AmlReportItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AmlReportItems_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "AmlTasks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    DueOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    AssigneeStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedByStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    ReminderSentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AmlTasks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AmlTasks_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AmlTasks_Staff_AssigneeStaffId",
                        column: x => x.AssigneeStaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CommissionRequests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    OwnerStaffId = table.Column<int>(type: "INTEGER", nullable: false),
                    TicketId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CurrentRateUnits = table.Column<long>(type: "INTEGER", nullable: false),
                    ProposedRateUnits = table.Column<long>(type: "INTEGER", nullable: true),
                    FloorRateUnits = table.Column<long>(type: "INTEGER", nullable: true),
                    AssetsBasis = table.Column<long>(type: "INTEGER", nullable: true),
                    EffectiveOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    ApprovalChain = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    NextStep = table.Column<int>(type: "INTEGER", nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AnswerDueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ProposedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReminderSentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EscalationLevel = table.Column<int>(type: "INTEGER", nullable: false),
                    EscalatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClientNotified = table.Column<bool>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CommissionRequests_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CommissionRequests_Staff_OwnerStaffId",
                        column: x => x.OwnerStaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CommissionRequests_Tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "Tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Complaints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SourceRef = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    SummaryCipher = table.Column<byte[]>(type: "BLOB", nullable: true),
                    FirstHandlerStaffId = table.Column<int>(type: "INTEGER", nullable: false),
                    TicketId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RegisteredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AcknowledgeDueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ResolveDueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AcknowledgedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ResolvedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    OutcomeCipher = table.Column<byte[]>(type: "BLOB", nullable: true),
                    Satisfaction = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    CallbackAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReminderSentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EscalationLevel = table.Column<int>(type: "INTEGER", nullable: false),
                    EscalatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RetainUntil = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Complaints", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Complaints_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Complaints_Staff_FirstHandlerStaffId",
                        column: x => x.FirstHandlerStaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Complaints_Tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "Tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CommissionApprovals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestId = table.Column<long>(type: "INTEGER", nullable: false),
                    Step = table.Column<int>(type: "INTEGER", nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    StaffId = table.Column<int>(type: "INTEGER", nullable: false),
                    Approved = table.Column<bool>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionApprovals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CommissionApprovals_CommissionRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "CommissionRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CommissionApprovals_Staff_StaffId",
                        column: x => x.StaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CommissionRates",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    RateUnits = table.Column<long>(type: "INTEGER", nullable: false),
                    EffectiveOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    RequestId = table.Column<long>(type: "INTEGER", nullable: true),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionRates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CommissionRates_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CommissionRates_CommissionRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "CommissionRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ClientCallbacks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    PlanKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DueOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    AssigneeStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    ComplaintId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Satisfaction = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    NoteCipher = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedByStaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientCallbacks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ClientCallbacks_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ClientCallbacks_Complaints_ComplaintId",
                        column: x => x.ComplaintId,
                        principalTable: "Complaints",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ClientCallbacks_Staff_AssigneeStaffId",
                        column: x => x.AssigneeStaffId,
                        principalTable: "Staff",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AmlCases_ClientId_Day_Rule",
                table: "AmlCases",
                columns: new[] { "ClientId", "Day", "Rule" },
                unique: true,
                filter: "\"Rule\" <> 'Manual'");

            migrationBuilder.CreateIndex(
                name: "IX_AmlCases_Status_DueAt",
                table: "AmlCases",
                columns: new[] { "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AmlCases_TicketId",
                table: "AmlCases",
                column: "TicketId");

            migrationBuilder.CreateIndex(
                name: "IX_AmlReportItems_ClientId_Day_Category",
                table: "AmlReportItems",
                columns: new[] { "ClientId", "Day", "Category" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AmlReportItems_Day",
                table: "AmlReportItems",
                column: "Day");

            migrationBuilder.CreateIndex(
                name: "IX_AmlReportItems_Status_DueAt",
                table: "AmlReportItems",
                columns: new[] { "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AmlTasks_AssigneeStaffId_Status",
                table: "AmlTasks",
                columns: new[] { "AssigneeStaffId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_AmlTasks_ClientId_Kind_DueOn",
                table: "AmlTasks",
                columns: new[] { "ClientId", "Kind", "DueOn" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AmlTasks_Status_DueOn",
                table: "AmlTasks",
                columns: new[] { "Status", "DueOn" });

            migrationBuilder.CreateIndex(
                name: "IX_ClientCallbacks_AssigneeStaffId_Status",
                table: "ClientCallbacks",
                columns: new[] { "AssigneeStaffId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_ClientCallbacks_ClientId",
                table: "ClientCallbacks",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_ClientCallbacks_ComplaintId",
                table: "ClientCallbacks",
                column: "ComplaintId");

            migrationBuilder.CreateIndex(
                name: "IX_ClientCallbacks_PlanKey",
                table: "ClientCallbacks",
                column: "PlanKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ClientCallbacks_Status_DueOn",
                table: "ClientCallbacks",
                columns: new[] { "Status", "DueOn" });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionApprovals_RequestId",
                table: "CommissionApprovals",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_CommissionApprovals_StaffId",
                table: "CommissionApprovals",
                column: "StaffId");

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRates_ClientId_EffectiveOn",
                table: "CommissionRates",
                columns: new[] { "ClientId", "EffectiveOn" });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRates_RequestId",
                table: "CommissionRates",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRequests_ClientId",
                table: "CommissionRequests",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRequests_OwnerStaffId_Status",
                table: "CommissionRequests",
                columns: new[] { "OwnerStaffId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRequests_Status_AnswerDueAt",
                table: "CommissionRequests",
                columns: new[] { "Status", "AnswerDueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRequests_TicketId",
                table: "CommissionRequests",
                column: "TicketId");

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_ClientId_Status",
                table: "Complaints",
                columns: new[] { "ClientId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_FirstHandlerStaffId_Status",
                table: "Complaints",
                columns: new[] { "FirstHandlerStaffId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_ReceivedAt",
                table: "Complaints",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_Source_SourceRef",
                table: "Complaints",
                columns: new[] { "Source", "SourceRef" },
                unique: true,
                filter: "\"SourceRef\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_Status_AcknowledgeDueAt",
                table: "Complaints",
                columns: new[] { "Status", "AcknowledgeDueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Complaints_TicketId",
                table: "Complaints",
                column: "TicketId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AmlCases");

            migrationBuilder.DropTable(
                name: "AmlFeedRuns");

            migrationBuilder.DropTable(
                name: "AmlProfiles");

            migrationBuilder.DropTable(
                name: "AmlReportItems");

            migrationBuilder.DropTable(
                name: "AmlTasks");

            migrationBuilder.DropTable(
                name: "ClientCallbacks");

            migrationBuilder.DropTable(
                name: "CommissionApprovals");

            migrationBuilder.DropTable(
                name: "CommissionRates");

            migrationBuilder.DropTable(
                name: "Complaints");

            migrationBuilder.DropTable(
                name: "CommissionRequests");
        }
    }
}
