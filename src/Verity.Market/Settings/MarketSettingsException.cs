namespace Verity.Market.Settings;

/// <summary>A setting is missing or malformed: the message names the flag, the variable or the file to fix.</summary>
public sealed class MarketSettingsException(string message) : Exception(message);
