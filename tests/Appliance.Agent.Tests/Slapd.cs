using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Exec;

namespace Appliance.Agent.Tests;

/// <summary>Debian's real OpenLDAP server on a loopback port, loaded from LDIF, owned by the test.</summary>
public sealed class Slapd : IAsyncLifetime
{
    public const string Suffix = "dc=office,dc=test";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "appliance-slapd-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public int Port { get; private set; }
    public string Url => $"ldap://127.0.0.1:{Port}";

    public const string Ldif = """
        dn: dc=office,dc=test
        objectClass: top
        objectClass: dcObject
        objectClass: organization
        o: Test office
        dc: office

        dn: ou=people,dc=office,dc=test
        objectClass: organizationalUnit
        ou: people

        dn: ou=groups,dc=office,dc=test
        objectClass: organizationalUnit
        ou: groups

        dn: uid=petra,ou=people,dc=office,dc=test
        objectClass: inetOrgPerson
        uid: petra
        cn: Petra Partner
        sn: Partner
        displayName: Petra Partner
        userPassword: petra-directory-secret

        dn: uid=otto,ou=people,dc=office,dc=test
        objectClass: inetOrgPerson
        uid: otto
        cn: Otto Outsider
        sn: Outsider
        userPassword: otto-directory-secret

        dn: uid=anna,ou=people,dc=office,dc=test
        objectClass: inetOrgPerson
        uid: anna
        cn: Anna Impostor
        sn: Impostor
        userPassword: impostor-secret

        dn: cn=anwaelte,ou=groups,dc=office,dc=test
        objectClass: groupOfNames
        cn: anwaelte
        member: uid=petra,ou=people,dc=office,dc=test

        dn: cn=personal,ou=groups,dc=office,dc=test
        objectClass: posixGroup
        cn: personal
        gidNumber: 5001
        memberUid: petra

        dn: cn=kantine,ou=groups,dc=office,dc=test
        objectClass: groupOfNames
        cn: kantine
        member: uid=otto,ou=people,dc=office,dc=test
        """;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "db"));
        var conf = Path.Combine(_folder, "slapd.conf");
        await File.WriteAllTextAsync(conf, $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            modulepath /usr/lib/ldap
            moduleload back_mdb
            pidfile {_folder}/slapd.pid
            access to attrs=userPassword by anonymous auth by self read by * none
            access to * by * read
            database mdb
            maxsize 10485760
            suffix "{Suffix}"
            rootdn "cn=admin,{Suffix}"
            directory {_folder}/db
            """);
        var ldif = Path.Combine(_folder, "office.ldif");
        await File.WriteAllTextAsync(ldif, Ldif.Replace("\r\n", "\n") + "\n");
        (await new LocalCommandRunner().RunAsync(Command.Of("slapadd", "-f", conf, "-l", ldif))).EnsureSuccess();

        Port = FreePort();
        // -d keeps slapd in the foreground, so it dies with its process handle.
        _process = Process.Start(new ProcessStartInfo("slapd", ["-f", conf, "-h", Url + "/", "-d", "0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("cannot start slapd");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        await Eventually(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"slapd exited with {_process.ExitCode} while starting");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), $"slapd accepts connections on port {Port}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }
}
