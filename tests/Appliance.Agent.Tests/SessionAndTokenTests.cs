using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

[Collection("agent")]
public sealed class SessionAndTokenTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    [Fact]
    public async Task A_signed_in_browser_session_knows_who_it_is()
    {
        var (client, csrf) = await _agent.SignInAsync("lars");
        using var _ = client;
        var me = await client.GetFromJsonAsync<JsonElement>("/api/session");
        Assert.Equal("lars", me.GetProperty("name").GetString());
        Assert.Equal(["everyone", "lawyers"], me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).Order());
        Assert.Equal(csrf, me.GetProperty("csrf_token").GetString());
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_and_SameSite_strict()
    {
        using var client = _agent.Anonymous();
        using var response = await client.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password });
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_cookie_request_that_changes_something_needs_the_CSRF_header()
    {
        var (client, csrf) = await _agent.SignInAsync("emil");
        using var _ = client;
        using var forged = await client.PostAsJsonAsync("/api/tokens", new { name = "from another site" });
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("CSRF", await forged.Content.ReadAsStringAsync());

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = "x" }) };
        wrong.Headers.Add("X-CSRF-Token", new string('0', 64));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(wrong)).StatusCode);

        using var genuine = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = "from the page" }) };
        genuine.Headers.Add("X-CSRF-Token", csrf);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(genuine)).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var (client, csrf) = await _agent.SignInAsync("emil");
        using var _ = client;
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/session");
        signOut.Headers.Add("X-CSRF-Token", csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_gets_401_with_a_JSON_reason()
    {
        using var client = _agent.Anonymous();
        using var response = await client.PostAsJsonAsync("/api/session", new { name = "lars", password = "not his password" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("wrong", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_token_is_shown_once_stored_hashed_records_its_last_use_and_dies_when_revoked()
    {
        using var emil = _agent.As("emil");
        using var created = await emil.PostAsJsonAsync("/api/tokens", new { name = "editor plugin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var issued = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = issued.GetProperty("secret").GetString()!;
        var id = issued.GetProperty("info").GetProperty("id").GetString()!;

        using var viaToken = _agent.Anonymous();
        viaToken.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal("emil", (await viaToken.GetFromJsonAsync<JsonElement>("/api/session")).GetProperty("name").GetString());

        var listed = (await emil.GetFromJsonAsync<JsonElement>("/api/tokens")).EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        Assert.False(listed.TryGetProperty("secret", out _));
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("last_used").ValueKind);

        var database = await File.ReadAllBytesAsync(Path.Combine(fixture.Office.DataFolder, "agent.db"));
        Assert.DoesNotContain(secret, System.Text.Encoding.Latin1.GetString(database));

        Assert.Equal(HttpStatusCode.NoContent, (await emil.DeleteAsync($"/api/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaToken.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task An_employee_cannot_revoke_someone_elses_token_but_an_admin_can()
    {
        using var lars = _agent.As("lars");
        var id = (await (await lars.PostAsJsonAsync("/api/tokens", new { name = "lars's script" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("info").GetProperty("id").GetString();
        using var emil = _agent.As("emil");
        Assert.Equal(HttpStatusCode.NotFound, (await emil.DeleteAsync($"/api/tokens/{id}")).StatusCode);
        using var anna = _agent.As("anna");
        Assert.Equal(HttpStatusCode.NoContent, (await anna.DeleteAsync($"/api/admin/tokens/{id}")).StatusCode);
    }

    [Fact]
    public async Task Passwords_are_stored_as_PBKDF2_hashes_never_as_text()
    {
        var database = await File.ReadAllBytesAsync(Path.Combine(fixture.Office.DataFolder, "agent.db"));
        Assert.DoesNotContain(TestOffice.Password, System.Text.Encoding.Latin1.GetString(database));
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(fixture.Office.DataFolder, "agent.db")};Mode=ReadOnly");
        await db.OpenAsync();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE name = 'anna'";
        var hash = Convert.FromBase64String((string)(await command.ExecuteScalarAsync())!);
        Assert.Equal(0x01, hash[0]);  // ASP.NET Core Identity v3 format: PBKDF2 with HMAC-SHA512
    }

    [Fact]
    public async Task The_admin_sets_passwords_with_a_length_rule_and_sees_users_with_their_groups()
    {
        using var anna = _agent.As("anna");
        using var tooShort = await anna.PutAsJsonAsync("/api/admin/users/emil/password", new { password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        using var unknown = await anna.PutAsJsonAsync("/api/admin/users/nobody/password", new { password = "long enough password" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var users = await anna.GetFromJsonAsync<JsonElement>("/api/admin/users");
        var dora = users.EnumerateArray().Single(u => u.GetProperty("name").GetString() == "dora");
        Assert.Equal(["employee", "dpo"], dora.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).OrderDescending());
        var groups = await anna.GetFromJsonAsync<JsonElement>("/api/admin/groups");
        var hr = groups.EnumerateArray().Single(g => g.GetProperty("id").GetString() == "hr");
        Assert.Equal(["dora"], hr.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["hr"], hr.GetProperty("collections").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task A_malformed_JSON_body_gets_400_problem_details()
    {
        using var anna = _agent.As("anna");
        using var response = await anna.PostAsync("/api/admin/tokens", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
