using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Hosting;

/// <summary>
/// Problem details the page shows to employees carry a <c>code</c> (and the numbers in the message),
/// so the page says it in the reader's language from its own strings; <c>detail</c> stays English
/// for API clients and logs.
/// </summary>
public static class PageProblems
{
    public const string QuestionEmpty = "question_empty";
    public const string QuestionTooLong = "question_too_long";
    public const string ConversationNotFound = "conversation_not_found";
    public const string Busy = "busy";
    public const string PromptTooLong = "prompt_too_long";
    public const string FileTooLarge = "file_too_large";
    public const string SignInFailed = "sign_in_failed";
    public const string AccountLocked = "account_locked";
    public const string DirectoryUnavailable = "directory_unavailable";

    public static ProblemHttpResult Result(int status, string title, string detail, string code, Dictionary<string, object?>? values = null)
    {
        var extensions = new Dictionary<string, object?>(values ?? []) { ["code"] = code };
        return TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }

    public static Task Write(HttpContext context, int status, string title, string detail, string code, Dictionary<string, object?>? values = null) =>
        Result(status, title, detail, code, values).ExecuteAsync(context);
}
