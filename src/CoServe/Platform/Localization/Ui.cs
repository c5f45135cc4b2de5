namespace CoServe.Platform.Localization;

/// <summary>
/// Marker for the console's UI text: Ui.resx holds Simplified Chinese (the default), Ui.en.resx English.
/// Inject IStringLocalizer&lt;Ui&gt;.
/// </summary>
public sealed class Ui;
