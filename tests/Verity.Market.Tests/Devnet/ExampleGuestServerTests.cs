using Verity.Guests;
using Verity.Market.Devnet;

namespace Verity.Market.Tests.Devnet;

/// <summary>The devnet's image URLs serve the embedded example guests byte for byte, on loopback only.</summary>
public sealed class ExampleGuestServerTests
{
    [Fact]
    public async Task Every_example_guest_is_served_at_its_image_url_and_nothing_else_is()
    {
        await using var server = await ExampleGuestServer.StartAsync();
        using var http = new HttpClient();

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.Equal(ExampleGuests.All.Select(g => g.Name).Order(), server.ImageUrls.Keys.Order());
        foreach (var guest in ExampleGuests.All)
            Assert.Equal(guest.Elf, await http.GetByteArrayAsync(server.ImageUrls[guest.Name]));
        using var missing = await http.GetAsync(new Uri(server.BaseAddress, "guests/lz.elf"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }
}
