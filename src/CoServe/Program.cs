using CoServe.Platform.Web;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot.For(args) });
builder.AddCoServe();

var app = builder.Build();
app.UseCoServe();
app.MapCoServe();
await app.PrepareStoreAsync();
await app.RunAsync();

/// <summary>Entry point; public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
