using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeepNet.Serialization;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>
/// The server as operators run it, on real Kestrel sockets: TLS from Kestrel configuration (a
/// self-signed certificate made here), no Server header, health and metrics only on the
/// management port, a connection limit, and SIGHUP reloading instead of killing the process.
/// </summary>
public sealed class KestrelTests
{
    [Fact]
    public async Task Tls_ManagementPort_NoServerHeader_ConnectionLimit_AndSighupReload()
    {
        using var repository = new TestRepository();
        string folder = Directory.CreateTempSubdirectory("deepnet-tls-").FullName;
        try
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            string pfx = Path.Combine(folder, "server.pfx");
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));

            int https = ServerProcess.FreePort(), management = ServerProcess.FreePort();
            using var server = new ServerProcess([
                "--model-repository", repository.Root, "--default-model", "digits", "--management-port", management.ToString(),
                "--max-connections", "6",
                "--Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}",
                "--Kestrel:Endpoints:Https:Certificate:Path", pfx,
                "--Kestrel:Endpoints:Https:Certificate:Password", "test-password",
                "--Kestrel:Endpoints:Management:Url", $"http://127.0.0.1:{management}",
            ]);
            string thumbprint = certificate.Thumbprint;
            using var handler = new SocketsHttpHandler
            {
                // Trust exactly the certificate made above, nothing else.
                SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == thumbprint },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            string api = $"https://127.0.0.1:{https}", admin = $"http://127.0.0.1:{management}";
            await server.WaitReadyAsync(client, admin + "/health");

            using var ready = await client.GetAsync(api + "/v2/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.False(ready.Headers.Contains("Server"), "the answer carries a Server header");
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(api + "/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(api + "/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(admin + "/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(admin + "/predict", Json.Body("{}"))).StatusCode);
            await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync($"http://127.0.0.1:{https}/v2/health/live"));

            // Hold every connection the limit allows (the client above keeps its own open), then one more is refused.
            var held = new List<TcpClient>();
            try
            {
                for (int i = 0; i < 6; i++)
                {
                    var socket = new TcpClient();
                    await socket.ConnectAsync(IPAddress.Loopback, management);
                    held.Add(socket);
                }
                await Task.Delay(300);
                using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                await Assert.ThrowsAnyAsync<Exception>(() => fresh.GetAsync(admin + "/health/live"));
            }
            finally
            {
                foreach (var socket in held) socket.Dispose();
            }
            await Task.Delay(300);
            using (var again = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
                Assert.Equal(HttpStatusCode.OK, (await again.GetAsync(admin + "/health/live")).StatusCode);

            repository.Save("digits", "3", TestRepository.Cnn(seed: 3), [1, 6, 6], ModelTask.Classification);
            server.Hangup();
            for (int i = 0; i < 300 && !(await client.GetAsync(api + "/v2/models/digits/versions/3/ready")).IsSuccessStatusCode; i++) await Task.Delay(100);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(api + "/v2/models/digits/versions/3/ready")).StatusCode);
            Assert.False(server.HasExited, "SIGHUP ended the server");
            Assert.Contains("SIGHUP: reloading the models", server.Output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
