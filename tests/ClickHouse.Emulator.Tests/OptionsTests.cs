using ClickHouse.Emulator.ChDb;

namespace ClickHouse.Emulator.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void A_missing_engine_fails_start_up_with_the_install_command()
    {
        var result = new ChDbOptionsValidator().Validate(null, new ChDbOptions { LibraryPath = "/nowhere/libchdb.so", DataPath = "/tmp/x" });
        Assert.True(result.Failed);
        Assert.Contains("eng/install-engines.sh", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_installed_engine_and_a_data_directory_are_valid()
    {
        var result = new ChDbOptionsValidator().Validate(null, new ChDbOptions { LibraryPath = EmulatorFixture.LibraryPath, DataPath = Path.GetTempPath() });
        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
