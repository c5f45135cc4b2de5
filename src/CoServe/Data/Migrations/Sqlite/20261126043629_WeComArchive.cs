using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CoServe.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WeComArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WeComArchiveCursors",
                columns: table => new
                {
                    App = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastPullAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CaughtUpAt = table.Column<long>(type: "INTEGER", nullable: true),
                    NewestMessageAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Written = table.Column<long>(type: "INTEGER", nullable: false),
                    SkippedNoConsent = table.Column<long>(type: "INTEGER", nullable: false),
                    SkippedNoClient = table.Column<long>(type: "INTEGER", nullable: false),
                    Ignored = table.Column<long>(type: "INTEGER", nullable: false),
                    Failed = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComArchiveCursors", x => x.App);
                });

            migrationBuilder.CreateTable(
                name: "WeComArchiveFailures",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    App = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    MsgId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    PublicKeyVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WeComArchiveFailures", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WeComArchiveFailures_App_Id",
                table: "WeComArchiveFailures",
                columns: new[] { "App", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WeComArchiveCursors");

            migrationBuilder.DropTable(
                name: "WeComArchiveFailures");
        }
    }
}
