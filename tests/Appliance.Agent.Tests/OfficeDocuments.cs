namespace Appliance.Agent.Tests;

/// <summary>
/// A small fictional office's files, one folder per collection. Each collection has words no other
/// collection uses, so a leak shows up as a foreign word or document in a result.
/// </summary>
public static class OfficeDocuments
{
    public static readonly IReadOnlyDictionary<string, string[]> Vocabulary = new Dictionary<string, string[]>
    {
        ["handbook"] = ["holiday", "parking", "printer", "kitchen", "onboarding", "badge", "vacation", "coffee"],
        ["clients"] = ["merger", "litigation", "retainer", "subpoena", "escrow", "arbitration", "indemnity", "settlement"],
        ["hr"] = ["salary", "payroll", "sickness", "appraisal", "pension", "disciplinary", "maternity", "bonus"],
    };

    public static void WriteTo(string officeFolder)
    {
        Write(officeFolder, "docs/handbook/holidays.md", """
            # Holidays and vacation

            Every employee has 30 vacation days per year. Holiday requests go to the office manager two weeks ahead.

            ## Public holidays

            The office is closed on public holidays; the kitchen and coffee machine are cleaned the day before.
            """);
        Write(officeFolder, "docs/handbook/building.md", """
            # The building

            Parking spaces in the courtyard are assigned by badge number. The printer on the second floor prints
            double-sided by default. Onboarding of new colleagues starts with a badge and a tour of the kitchen.
            """);
        Write(officeFolder, "docs/handbook/it.txt", """
            IT rules. Passwords are personal. The printer queue is cleared every night. Report a lost badge at once.
            Coffee spills on laptops are reported to IT the same day. Parking tickets are not reimbursed.
            """);
        Write(officeFolder, "docs/clients/mueller-merger.md", """
            # Müller AG merger

            The merger agreement keeps the purchase price in escrow until the arbitration clause expires.
            The retainer covers due diligence; litigation risks are listed in annex 3.

            ## Indemnity

            The seller's indemnity is capped at ten percent of the price; settlement of claims within 90 days.
            """);
        Write(officeFolder, "docs/clients/schmidt-litigation.txt", """
            Schmidt v. Baufirma GmbH: the subpoena was served on 3 March. Settlement talks failed; arbitration
            is excluded by contract. Our retainer was extended for the litigation phase. Escrow not applicable.
            """);
        Write(officeFolder, "docs/hr/salaries.md", """
            # Salary bands 2026

            Payroll runs on the 25th. Salary bands rise by 3 percent; the bonus depends on the annual appraisal.
            Pension contributions are matched up to 4 percent of the salary.
            """);
        Write(officeFolder, "docs/hr/absences.txt", """
            Sickness notes are due from the third day. Maternity leave follows the statutory rules. A disciplinary
            hearing requires the works council. Payroll corrections for sickness are made the next month; bonus unaffected.
            """);
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
