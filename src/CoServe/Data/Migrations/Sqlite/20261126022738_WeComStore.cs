using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WeComStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WeComAccessTokens",
                columns: table => new
                {
                    App = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Token = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComAccessTokens", x => x.App);
                });

            migrationBuilder.CreateTable(
                name: "WeComContactMatches",
                columns: table => new
                {
                    ExternalUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Candidates = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComContactMatches", x => x.ExternalUserId);
                });

            migrationBuilder.CreateTable(
                name: "WeComContacts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FollowUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ExternalUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Type = table.Column<int>(type: "INTEGER", nullable: false),
                    TagIds = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    RemarkMobileIndexes = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    AddedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComContacts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WeComCursors",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComCursors", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "WeComDeliveries",
                columns: table => new
                {
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ProviderMessageId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComDeliveries", x => x.IdempotencyKey);
                });

            migrationBuilder.CreateTable(
                name: "WeComInbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    KeyHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    App = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: true),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    ProcessedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComInbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WeComLinkAudits",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<long>(type: "INTEGER", nullable: false),
                    ExternalUserId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Linked = table.Column<bool>(type: "INTEGER", nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    StaffId = table.Column<int>(type: "INTEGER", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComLinkAudits", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WeComLinkAudits_Clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Clients",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WeComContactMatches_State",
                table: "WeComContactMatches",
                column: "State");

            migrationBuilder.CreateIndex(
                name: "IX_WeComContacts_ExternalUserId",
                table: "WeComContacts",
                column: "ExternalUserId");

            migrationBuilder.CreateIndex(
                name: "IX_WeComContacts_FollowUserId_ExternalUserId",
                table: "WeComContacts",
                columns: new[] { "FollowUserId", "ExternalUserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WeComInbox_ExpiresAt",
                table: "WeComInbox",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_WeComInbox_KeyHash",
                table: "WeComInbox",
                column: "KeyHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WeComInbox_State_Id",
                table: "WeComInbox",
                columns: new[] { "State", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_WeComLinkAudits_ClientId_At",
                table: "WeComLinkAudits",
                columns: new[] { "ClientId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WeComAccessTokens");

            migrationBuilder.DropTable(
                name: "WeComContactMatches");

            migrationBuilder.DropTable(
                name: "WeComContacts");

            migrationBuilder.DropTable(
                name: "WeComCursors");

            migrationBuilder.DropTable(
                name: "WeComDeliveries");

            migrationBuilder.DropTable(
                name: "WeComInbox");

            migrationBuilder.DropTable(
                name: "WeComLinkAudits");
        }
    }
}
