using System.Reflection;
using System.Security.Cryptography;

namespace Appliance.Agent.Web;

/// <summary>
/// The employees' page: one self-contained document (HTML with its CSS and script inlined), so it
/// works offline and needs no unauthenticated asset routes. Without a session it is served with
/// status 401 and shows only the sign-in form.
/// </summary>
public sealed class WebPage
{
    private readonly string _template;

    public WebPage()
    {
        var html = Resource("index.html");
        _template = html
            .Replace("/*{{style}}*/", Resource("app.css"), StringComparison.Ordinal)
            .Replace("/*{{script}}*/", Resource("app.js"), StringComparison.Ordinal);
    }

    public IResult Serve(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; " +
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        return TypedResults.Text(_template.Replace("{{nonce}}", nonce, StringComparison.Ordinal), "text/html; charset=utf-8",
            statusCode: signedIn ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("page/" + name)
            ?? throw new InvalidOperationException($"the web page resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
