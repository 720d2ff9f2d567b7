using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Config;

namespace Appliance.Agent.Web;

/// <summary>
/// The employees' page: one self-contained document (HTML with its CSS, script and the strings of
/// every language inlined), so it works offline and needs no unauthenticated asset routes. Without a
/// session it is served with status 401 and shows only the sign-in form. Its web app manifest
/// (installable on a phone; no service worker, so no answer is ever cached) is linked once signed in.
/// </summary>
public sealed class WebPage
{
    private readonly string _template;

    public WebPage(PageStrings strings)
    {
        var html = Resource("index.html");
        _template = html
            .Replace("/*{{style}}*/", Resource("app.css"), StringComparison.Ordinal)
            // Inside a JSON script block, "</" could end the block early; JSON allows it escaped.
            .Replace("/*{{strings}}*/", strings.Json().Replace("</", "<\\/", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("/*{{script}}*/", Resource("app.js"), StringComparison.Ordinal)
            // Inlined, so the sign-in page asks for nothing it would be refused.
            .Replace("{{icon}}", "data:image/svg+xml," + Uri.EscapeDataString(Resource("icon.svg").Trim()), StringComparison.Ordinal);
    }

    public IResult Serve(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; " +
            "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        return TypedResults.Text(_template.Replace("{{nonce}}", nonce, StringComparison.Ordinal), "text/html; charset=utf-8",
            statusCode: signedIn ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
    }

    public static IResult Icon() => TypedResults.Text(Resource("icon.svg"), "image/svg+xml");

    /// <summary>The web app manifest: the box's name, its start page and icon; "standalone" opens it like an app.</summary>
    public IResult Manifest(ApplianceConfig config) => TypedResults.Text(JsonSerializer.Serialize(new
    {
        name = config.Appliance.Name,
        short_name = config.Appliance.Name.Length <= 12 ? config.Appliance.Name : "Office AI",
        start_url = "/",
        scope = "/",
        display = "standalone",
        background_color = "#f5f6f8",
        theme_color = "#1f5fbf",
        icons = new[] { new { src = "/icon.svg", sizes = "any", type = "image/svg+xml", purpose = "any" } },
    }), "application/manifest+json");

    private static string Resource(string name) => PageStrings.Resource(name);
}
