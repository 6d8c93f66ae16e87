// Escalation channels and the "attended" step end to end: real Mosquitto, a running
// `hearth-coordinator run`, a real SMTP receiver (tests/support/smtp_sink.h) and a real webhook
// receiver (tests/support/http_receiver.h) on loopback. Each refuses its first delivery (451, 503),
// so both retries are exercised. The test checks the email's envelope, headers (Date, Message-ID,
// From, To, RFC 2047 Subject) and its Welsh-only or English-and-Welsh body, the webhook's notify
// body and HMAC signature, then records "attended" through a carer app over MQTT (a carer who was
// not told is refused), the API (audited) and the CLI, and reads them back from `report`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "gateway/webhook.h"
#include "support/e2e_helpers.h"
#include "support/http_receiver.h"
#include "support/mail_decode.h"
#include "support/process.h"
#include "support/smtp_sink.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string SECRET = "anna-webhook-secret-0123456789";

std::string run_cli(TempDir& dir, const std::vector<std::string>& args, int* exit_code = nullptr) {
  static int n = 0;
  const std::string log = dir.file("cli-" + std::to_string(++n) + ".out");
  std::vector<std::string> argv = {COORDINATOR_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, log);
  const auto rc = p.wait(30s);
  if (exit_code != nullptr) *exit_code = rc.value_or(-1);
  return read_file(log);
}

json alert_event(const std::string& home, const std::string& alert_id, std::int64_t now_ms) {
  return json{{"schema", 1},
              {"type", "alert_event"},
              {"message_id", home + "/" + alert_id + "/raised/1"},
              {"home_id", home},
              {"event", "raised"},
              {"event_ms", now_ms},
              {"alert",
               {{"id", alert_id},
                {"rule", "smoke"},
                {"severity", "emergency"},
                {"state", "raised"},
                {"raised_ms", now_ms},
                {"acknowledged_ms", nullptr},
                {"acknowledged_by", ""},
                {"resolved_ms", nullptr},
                {"text", {{"en", "Smoke detected in Kitchen"}, {"cy", "Mwg wedi’i ganfod yn y Gegin"}}}}}};
}

}  // namespace

TEST(NotifyE2E, EmailWebhookAndAttendedThroughMqttApiAndCli) {
  HEARTH_REQUIRE_MOSQUITTO();
  TempDir dir;
  MosquittoBroker broker(dir.path().string());
  ASSERT_TRUE(broker.start());
  SmtpSink smtp({451});         // the first email is refused for now: it must be retried
  HttpReceiver webhook({503});  // so is the first webhook POST
  // An API account for the coordinator (hash from `hearth-coordinator token`).
  const std::string token_out = run_cli(dir, {"token", "--name", "duty-cath"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(token_out, m, std::regex(R"(\): ([A-Za-z0-9_-]+\.[0-9a-f]{64})\n)"))) << token_out;
  const std::string token = m[1];
  ASSERT_TRUE(std::regex_search(token_out, m, std::regex(R"('(\$argon2id\$[^']+)')"))) << token_out;
  const std::string token_hash = m[1];

  const std::uint16_t http_port = free_port();
  std::ofstream(dir.file("pw")) << "pw\n";
  std::ofstream(dir.file("anna.secret")) << SECRET << "\n";
  std::ofstream(dir.file("c.yaml"))
      << "mqtt:\n  url: " << broker.url() << "\n  username: c\n  password_file: " << dir.file("pw")
      << "\nstore:\n  path: " << dir.file("c.db") << "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n"
      << "smtp:\n  url: " << smtp.url() << "\n  from: alerts@coop.example\n  timeout: 10s\n"
      << "escalation:\n  notify: {retry_min: 200ms, retry_max: 1s}\n  rotas:\n    gw-a1:\n"
      << "      - {id: anna, name: Anna Jones, role: family, language: cy, ack_within: 10m,\n"
      << "         email: anna@example.org, webhook: '" << webhook.url()
      << "', webhook_secret_file: " << dir.file("anna.secret") << "}\n"
      << "    gw-a2:\n      - {id: carys, name: Carys Ward, role: volunteer, ack_within: 10m, email: "
         "carys@example.org, "
         "channels: [email]}\n"
      << "http:\n  port: " << http_port << "\naccounts:\n"
      << "  - {name: duty-cath, role: coordinator, coop: coop-a, token_hash: '" << token_hash << "'}\n";
  Process coordinator({COORDINATOR_PATH, "run", "--config", dir.file("c.yaml"), "--instance", "notify"},
                      dir.file("coordinator.log"));
  ASSERT_TRUE(
      wait_until([&] { return read_file(dir.file("coordinator.log")).find("connected to") != std::string::npos; }, 15s))
      << read_file(dir.file("coordinator.log"));
  ASSERT_TRUE(wait_for_port(http_port, 5s));

  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  publish_once(broker.url(), "hearth-uplink/v1/coop-a/gw-a1/alert", alert_event("gw-a1", "smoke:k", now_ms).dump());
  publish_once(broker.url(), "hearth-uplink/v1/coop-a/gw-a2/alert", alert_event("gw-a2", "smoke:h", now_ms).dump());
  ASSERT_TRUE(wait_until([&] { return smtp.accepted().size() == 2 && webhook.accepted().size() == 1; }, 20s))
      << "emails " << smtp.accepted().size() << " webhooks " << webhook.accepted().size() << "\n"
      << read_file(dir.file("coordinator.log"));
  EXPECT_EQ(smtp.refused(), 1);
  EXPECT_EQ(webhook.received().size(), 2u) << "503 then 200";

  // --- the emails: Anna's in Welsh only, Carys's (language unknown) in English and Welsh ---
  std::map<std::string, SmtpSink::Mail> by_rcpt;
  for (const auto& mail : smtp.accepted()) by_rcpt[mail.recipients.at(0)] = mail;
  ASSERT_TRUE(by_rcpt.contains("<anna@example.org>") && by_rcpt.contains("<carys@example.org>"));
  const auto anna = parse_mail(by_rcpt["<anna@example.org>"].data);
  EXPECT_EQ(by_rcpt["<anna@example.org>"].from, "<alerts@coop.example>");
  EXPECT_TRUE(
      std::regex_match(anna.headers.at("Date"),
                       std::regex(R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000)")))
      << anna.headers.at("Date");
  EXPECT_TRUE(std::regex_match(anna.headers.at("Message-ID"), std::regex(R"(<hearth\.[0-9a-f.]+@coop\.example>)")))
      << anna.headers.at("Message-ID");
  EXPECT_EQ(anna.headers.at("From"), "Hearth <alerts@coop.example>");
  EXPECT_EQ(anna.headers.at("To"), "Anna Jones <anna@example.org>");
  EXPECT_EQ(anna.headers.at("Subject").rfind("=?UTF-8?B?", 0), 0u) << "the Welsh apostrophe is not ASCII";
  EXPECT_EQ(decode_header_words(anna.headers.at("Subject")), "Rhybudd Hearth yn gw-a1: Mwg wedi’i ganfod yn y Gegin");
  EXPECT_EQ(anna.headers.at("Content-Type"), "text/plain; charset=UTF-8");
  const std::string anna_body = base64_decode(anna.body);
  EXPECT_EQ(anna_body.rfind("Helo Anna Jones,\r\n", 0), 0u) << anna_body;
  EXPECT_NE(anna_body.find("Mwg wedi’i ganfod yn y Gegin"), std::string::npos);
  EXPECT_EQ(anna_body.find("Smoke"), std::string::npos) << anna_body;

  const auto carys = parse_mail(by_rcpt["<carys@example.org>"].data);
  EXPECT_EQ(decode_header_words(carys.headers.at("Subject")),
            "Hearth alert at gw-a2: Smoke detected in Kitchen / Rhybudd Hearth yn gw-a2: Mwg wedi’i ganfod yn y Gegin");
  const std::string carys_body = base64_decode(carys.body);
  EXPECT_NE(carys_body.find("Hello Carys Ward,"), std::string::npos) << carys_body;
  EXPECT_NE(carys_body.find("Helo Carys Ward,"), std::string::npos) << carys_body;
  EXPECT_NE(carys_body.find("Smoke detected in Kitchen"), std::string::npos);
  EXPECT_NE(carys_body.find("Mwg wedi’i ganfod yn y Gegin"), std::string::npos);

  // --- the webhook: the notify JSON, signed ---
  const auto hook = webhook.accepted().at(0);
  const json body = json::parse(hook.body);
  EXPECT_EQ(body["type"], "notify");
  EXPECT_EQ(body["alert_id"], "smoke:k");
  EXPECT_EQ(body["to"]["id"], "anna");
  EXPECT_EQ(body["text"], (json{{"cy", "Mwg wedi’i ganfod yn y Gegin"}}));
  const auto ts = hook.header("x-hearth-timestamp");
  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(hook.header("x-hearth-signature"),
            "sha256=" + hearth::gateway::webhook_signature(SECRET, std::stoll(*ts), hook.body));
  EXPECT_EQ(hook.header("x-hearth-message-id").value_or(""),
            "notify/coop-a/gw-a1/smoke:k/" + std::to_string(now_ms) + "/0");

  // --- attended: carer app over MQTT (only someone who was told), API, CLI ---
  const json attended{
      {"schema", 1}, {"type", "attended"}, {"home_id", "gw-a1"}, {"alert_id", "smoke:k"}, {"note", "with her now"}};
  publish_once(broker.url(), "hearth-carer/v1/coop-a/mallory/attended", attended.dump());
  publish_once(broker.url(), "hearth-carer/v1/coop-a/anna/attended", attended.dump());
  const auto steps = [&] {
    return run_cli(dir, {"report", "--config", dir.file("c.yaml"), "--coop", "coop-a", "--steps"});
  };
  ASSERT_TRUE(wait_until([&] { return steps().find("\tattended\tAnna Jones\t") != std::string::npos; }, 10s))
      << steps() << read_file(dir.file("coordinator.log"));

  const auto api = http_request(http_port, "POST", "/api/v1/coops/coop-a/alerts/attend", token,
                                R"({"home": "gw-a2", "alert_id": "smoke:h", "note": "door answered"})");
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->status, 200) << api->body;
  EXPECT_EQ(http_request(http_port, "POST", "/api/v1/coops/coop-b/alerts/attend", token,
                         R"({"home": "gw-a2", "alert_id": "smoke:h"})")
                ->status,
            404);
  EXPECT_EQ(http_request(http_port, "POST", "/api/v1/coops/coop-a/alerts/attend", "", R"({})")->status, 401);

  int rc = -1;
  run_cli(dir,
          {"attend", "--config", dir.file("c.yaml"), "--coop", "coop-a", "--home", "gw-a1", "--alert", "smoke:k",
           "--by", "Dora Ellis", "--note", "second responder"},
          &rc);
  EXPECT_EQ(rc, 0);
  run_cli(dir,
          {"attend", "--config", dir.file("c.yaml"), "--coop", "coop-a", "--home", "gw-a1", "--alert", "smoke:none",
           "--by", "Dora Ellis"},
          &rc);
  EXPECT_EQ(rc, 2) << "no such alert";

  const std::string report = steps();
  EXPECT_EQ(std::regex_search(report, std::regex("\tdelivered\tAnna Jones\t[^\n]*\temail\tSMTP 250")), true) << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tdelivered\tAnna Jones\t[^\n]*\twebhook\tHTTP 200")), true)
      << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tdelivered\tAnna Jones\t[^\n]*\tmqtt\t")), true) << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tdelivered\tCarys Ward\t[^\n]*\temail\t")), true) << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tdelivered\tCarys Ward\t[^\n]*\tmqtt\t")), false)
      << "Carys has email only: " << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tattended\tAnna Jones\t[^\n]*\tmqtt\twith her now")), true)
      << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tattended\tduty-cath\t[^\n]*\tapi\tdoor answered")), true) << report;
  EXPECT_EQ(std::regex_search(report, std::regex("\tattended\tDora Ellis\t[^\n]*\tcli\tsecond responder")), true)
      << report;
  EXPECT_EQ(report.find("mallory"), std::string::npos);

  const std::string responses =
      run_cli(dir, {"report", "--config", dir.file("c.yaml"), "--coop", "coop-a", "--responses"});
  EXPECT_NE(responses.find("alerts\tattended\tattended_within_30m\tattended_within_45m\n2\t2\t2 (100.0%)\t2 (100.0%)"),
            std::string::npos)
      << responses;

  coordinator.stop(SIGTERM);
  const std::string log = read_file(dir.file("coordinator.log"));
  EXPECT_NE(log.find("audit: duty-cath (coordinator) recorded alert smoke:h of home gw-a2 attended"), std::string::npos)
      << log;
  EXPECT_NE(log.find("rejected a carer message on hearth-carer/v1/coop-a/mallory/attended: not_notified"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("email to anna for alert smoke:k failed (attempt 1"), std::string::npos) << log;
}
