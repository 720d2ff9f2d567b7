using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>Sign-in against a real slapd: bind as the user, map directory groups to appliance groups.</summary>
public sealed class LdapSignInTests(LdapSignInTests.Directory directory) : IClassFixture<LdapSignInTests.Directory>
{
    public sealed class Directory : IAsyncLifetime
    {
        public Slapd Slapd { get; } = new();
        public TestOffice Office { get; private set; } = null!;
        public RunningAgent Agent { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Slapd.InitializeAsync();
            Office = TestOffice.Create(lockoutAttempts: 3, ldap: $$"""
                    url: {{Slapd.Url}}
                    user_dn_template: "uid={user},ou=people,{{Slapd.Suffix}}"
                    base_dn: "ou=groups,{{Slapd.Suffix}}"
                    group_mapping:
                      "cn=anwaelte,ou=groups,{{Slapd.Suffix}}": lawyers
                      personal: hr
                """);
            Agent = await RunningAgent.StartAsync(Office);
        }

        public async Task DisposeAsync()
        {
            if (Agent is not null) await Agent.DisposeAsync();
            Office?.Dispose();
            await Slapd.DisposeAsync();
        }
    }

    private RunningAgent Agent => directory.Agent;

    private async Task<HttpResponseMessage> SignInAsync(string name, string password)
    {
        using var client = Agent.Anonymous();
        return await client.PostAsJsonAsync("/api/session", new { name, password });
    }

    [Fact]
    public async Task A_directory_user_signs_in_with_the_directory_password_and_gets_the_mapped_groups()
    {
        using var response = await SignInAsync("petra", "petra-directory-secret");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Petra Partner", session.GetProperty("display_name").GetString());
        Assert.Equal(["hr", "lawyers"], session.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).Order());
        Assert.Equal(["employee"], session.GetProperty("roles").EnumerateArray().Select(g => g.GetString()!));
    }

    [Fact]
    public async Task Directory_groups_without_a_mapping_to_a_configured_group_give_nothing()
    {
        using var response = await SignInAsync("otto", "otto-directory-secret");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task A_wrong_directory_password_is_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("petra", "not-her-password")).StatusCode);
    }

    [Theory]
    [InlineData("*", "petra-directory-secret")]
    [InlineData("petra,ou=people", "petra-directory-secret")]
    [InlineData("petra", "")]
    [InlineData("nobody", "whatever-password")]
    public async Task Wildcards_DN_injection_empty_passwords_and_unknown_names_are_refused(string name, string password)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(name, password)).StatusCode);
    }

    [Fact]
    public async Task A_directory_entry_cannot_take_over_a_configured_account()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("anna", "impostor-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync("anna", TestOffice.Password)).StatusCode);
    }

    [Fact]
    public async Task A_known_directory_user_is_locked_after_repeated_failures()
    {
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync("otto", "otto-directory-secret")).StatusCode);
        for (var i = 0; i < 3; i++) await SignInAsync("otto", "wrong password " + i);
        using var locked = await SignInAsync("otto", "otto-directory-secret");
        Assert.Equal("account locked", (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        using var anna = Agent.As("anna");
        await anna.PostAsync("/api/admin/users/otto/unlock", null);
    }
}
