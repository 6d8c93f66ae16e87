// Escalation channels and the "attended" step with a simulated clock (every "now" is the test's):
// which channels a person's config gives, the email in the person's language (or both), retries
// with backoff until delivered, refused or too old, each delivery recorded with its channel; the
// attended step from a carer app (only someone who was told), the API and the store, and the share
// of alerts attended within the configured times.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

#include "coordinator/api.h"
#include "coordinator/attended.h"
#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/ingest.h"
#include "coordinator/notifier.h"
#include "coordinator/service.h"
#include "support/mail_decode.h"
#include "support/temp_dir.h"
#include "support/test_store.h"

using namespace hearth;
using namespace hearth::coordinator;
using nlohmann::json;

namespace {

constexpr std::int64_t T0 = 1'790'000'000'000;
constexpr std::int64_t SEC = 1000;
constexpr std::int64_t MIN = 60'000;

std::string base_config(const test::TempDir& dir) {
  std::ofstream(dir.file("pw")) << "coordinator-password\n";
  std::ofstream(dir.file("hook.secret")) << "a-shared-secret-of-32-characters\n";
  std::ofstream(dir.file("smtp.pw")) << "smtp-password\n";
  return "mqtt:\n  url: mqtts://broker.example:8883\n  username: coordinator\n  password_file: " + dir.file("pw") +
         test::test_store_yaml(dir) +
         "\ncoops:\n  coop-a:\n    gateways: [gw-a1, gw-a2]\n  coop-b:\n    gateways: [gw-b1]\n";
}

std::string smtp_block(const test::TempDir& dir) {
  return "smtp:\n  url: smtp://127.0.0.1:2525\n  username: hearth\n  password_file: " + dir.file("smtp.pw") +
         "\n  from: alerts@coop.example\n";
}

std::string rotas(const test::TempDir& dir) {
  return "escalation:\n"
         "  notify: {retry_min: 5s, retry_max: 40s, give_up_after: 2m, attend_within: [30m, 45m]}\n"
         "  rotas:\n"
         "    gw-a1:\n"
         "      - {id: anna, name: Anna Jones, role: family, language: cy, ack_within: 5m, email: anna@example.org,\n"
         "         webhook: 'https://hooks.example/anna', webhook_secret_file: " +
         dir.file("hook.secret") +
         "}\n"
         "      - {id: ben, name: Ben Evans, role: volunteer, ack_within: 10m, email: ben@example.org, channels: "
         "[email]}\n"
         "  duty:\n"
         "    coop-a: {id: dora, name: Dora Ellis, role: duty, language: en, ack_within: 15m}\n";
}

std::string event(const std::string& message_id, const std::string& ev, const std::string& alert_id,
                  std::int64_t raised_ms, std::int64_t event_ms) {
  return json{{"schema", 1},
              {"type", "alert_event"},
              {"message_id", message_id},
              {"home_id", "gw-a1"},
              {"event", ev},
              {"event_ms", event_ms},
              {"alert",
               {{"id", alert_id},
                {"rule", "smoke"},
                {"severity", "emergency"},
                {"state", "raised"},
                {"raised_ms", raised_ms},
                {"acknowledged_ms", nullptr},
                {"acknowledged_by", ""},
                {"text", {{"en", "Smoke detected in Kitchen"}, {"cy", "Mwg wedi’i ganfod yn y Gegin"}}}}}}
      .dump();
}

// Records what was sent; answers with the results the test queues (then "delivered").
struct FakeTransport : NotifyTransport {
  struct Sent {
    DeliveryJob job;
    std::function<void(SendResult)> done;
  };
  void send(const DeliveryJob& job, std::function<void(SendResult)> done) override {
    sent.push_back({job, std::move(done)});
  }
  std::vector<Sent> sent;
};

struct NotifierTest : ::testing::Test {
  void SetUp() override {
    HEARTH_REQUIRE_TEST_STORE();
    auto c = parse_coordinator_config(base_config(dir) + smtp_block(dir) + rotas(dir), "c.yaml");
    ASSERT_TRUE(c) << c.error().message;
    config = *c;
    auto s = open_coordinator_store(config.store);
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
    ingest = std::make_unique<Ingest>(config, *store);
    notifier = std::make_unique<Notifier>(
        config, transport, [this](const EscalationStep& step) { ASSERT_TRUE(store->record_step(step)); },
        [this] { return now; });
  }

  std::vector<EscalationStep> tick() {
    auto r = store->advance_escalations(
        now, [this](const std::string& coop, const std::string& home) { return rota_for(config, coop, home); }, 50);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<EscalationStep>{};
  }

  RotaStep person(const EscalationStep& s) { return rota_for(config, s.coop_id, s.home_id).at(s.step); }

  std::vector<EscalationStep> steps_of_kind(const std::string& kind) {
    auto all = store->escalation_steps("coop-a", "gw-a1");
    EXPECT_TRUE(all);
    std::vector<EscalationStep> out;
    for (const auto& s : *all) {
      if (s.kind == kind) out.push_back(s);
    }
    return out;
  }

  test::TempDir dir;
  CoordinatorConfig config;
  std::unique_ptr<CoordinatorStore> store;
  std::unique_ptr<Ingest> ingest;
  FakeTransport transport;
  std::int64_t now = T0;
  std::unique_ptr<Notifier> notifier;
};

}  // namespace

TEST_F(NotifierTest, ConfigGivesEachPersonTheirChannels) {
  const auto rota = rota_for(config, "coop-a", "gw-a1");
  ASSERT_EQ(rota.size(), 3u);
  EXPECT_EQ(rota[0].channels, (std::vector<std::string>{"mqtt", "webhook", "email"}))
      << "default: mqtt + every address";
  EXPECT_EQ(rota[0].webhook_secret, "a-shared-secret-of-32-characters");
  EXPECT_EQ(rota[1].channels, (std::vector<std::string>{"email"})) << "channels: [email] leaves the app out";
  EXPECT_EQ(rota[2].channels, (std::vector<std::string>{"mqtt"}));
  EXPECT_TRUE(config.smtp.enabled);
  EXPECT_EQ(config.smtp.password, "smtp-password");
  EXPECT_EQ(config.notify.attend_within,
            (std::vector<std::chrono::milliseconds>{std::chrono::minutes{30}, std::chrono::minutes{45}}));
  EXPECT_FALSE(smtp_requires_starttls("smtp://127.0.0.1:2525"));
  EXPECT_FALSE(smtp_requires_starttls("smtps://mail.coop.example"));
  EXPECT_TRUE(smtp_requires_starttls("smtp://mail.coop.example:587"));
  EXPECT_TRUE(smtp_requires_starttls("smtp://127.0.0.1.evil.example:25")) << "not loopback";
}

TEST(NotifierConfig, RefusesWhatCannotWorkOrWouldLeak) {
  test::TempDir dir;
  const std::string base = base_config(dir);
  const auto fails = [&](const std::string& extra, const std::string& key) {
    auto r = parse_coordinator_config(base + extra, "c.yaml");
    if (r) return ::testing::AssertionFailure() << "accepted: " << extra;
    if (r.error().message.find(key) == std::string::npos)
      return ::testing::AssertionFailure() << r.error().message << " does not name " << key;
    return ::testing::AssertionSuccess();
  };
  const std::string rota = "escalation:\n  rotas:\n    gw-a1:\n      - {id: a, name: A, role: family, ";
  EXPECT_TRUE(fails(rota + "webhook: 'http://hooks.example/a'}\n", "webhook")) << "plain http off loopback";
  EXPECT_TRUE(fails(rota + "email: a@example.org}\n", "smtp")) << "email needs the smtp block";
  EXPECT_TRUE(fails(smtp_block(dir) + rota + "email: 'a@example.org, b@example.org'}\n", "email"));
  EXPECT_TRUE(fails(smtp_block(dir) + rota + "email: \"a@example.org\\r\\nBcc: x@evil.example\"}\n", "email"));
  EXPECT_TRUE(fails(rota + "channels: [webhook]}\n", "channels")) << "webhook without its URL";
  EXPECT_TRUE(fails(rota + "channels: [mqtt, mqtt]}\n", "channels"));
  EXPECT_TRUE(fails(rota + "channels: [sms]}\n", "channels"));
  std::ofstream(dir.file("short")) << "short\n";
  EXPECT_TRUE(fails(rota + "webhook: 'https://h.example/a', webhook_secret_file: " + dir.file("short") + "}\n",
                    "webhook_secret_file"));
  EXPECT_TRUE(fails("smtp:\n  url: 'http://mail.example'\n  from: a@example.org\n", "smtp.url"));
  EXPECT_TRUE(fails("smtp:\n  url: 'smtp://mail.example'\n  from: nobody\n", "smtp.from"));
  EXPECT_TRUE(fails("smtp:\n  url: 'smtp://mail.example'\n  from: a@example.org\n  username: u\n", "password_file"));
  EXPECT_TRUE(fails("escalation:\n  notify: {retry_min: 1m, retry_max: 10s}\n", "retry_max"));
  EXPECT_TRUE(parse_coordinator_config(base + rota + "webhook: 'http://127.0.0.1:9/a'}\n", "c.yaml"))
      << "plain http to loopback is allowed";
}

TEST_F(NotifierTest, EmailIsInThePersonsLanguageOrBoth) {
  ASSERT_EQ(
      ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0).kind,
      IngestResult::Kind::stored);
  auto anna = tick();
  ASSERT_EQ(anna.size(), 1u);
  const EmailText cy = email_text(anna[0]);
  EXPECT_EQ(cy.subject, "Rhybudd Hearth yn gw-a1: Mwg wedi’i ganfod yn y Gegin");
  EXPECT_NE(cy.body.find("Helo Anna Jones,"), std::string::npos) << cy.body;
  EXPECT_NE(cy.body.find("Mwg wedi’i ganfod yn y Gegin"), std::string::npos);
  EXPECT_EQ(cy.body.find("Smoke"), std::string::npos) << "Anna reads Welsh only: " << cy.body;

  now = T0 + 5 * MIN;
  auto ben = tick();
  ASSERT_EQ(ben.size(), 1u);
  const EmailText both = email_text(ben[0]);
  EXPECT_EQ(both.subject,
            "Hearth alert at gw-a1: Smoke detected in Kitchen / Rhybudd Hearth yn gw-a1: Mwg wedi’i ganfod yn y Gegin");
  EXPECT_NE(both.body.find("Smoke detected in Kitchen"), std::string::npos);
  EXPECT_NE(both.body.find("Mwg wedi’i ganfod yn y Gegin"), std::string::npos);
  EXPECT_NE(both.body.find("Nobody before you on the rota acknowledged it in time."), std::string::npos);

  // The message as sent: headers, the subject encoded when it is not ASCII, the body base64 UTF-8.
  EscalationStep welsh = ben[0];
  welsh.language = "cy";
  welsh.person_name = "Siân Ŵyn";
  const std::string raw = email_message(welsh, "sian@example.org", config.smtp, "<id-1@coop.example>", now);
  const auto m = test::parse_mail(raw);
  EXPECT_EQ(m.headers.at("Date"), "Mon, 21 Sep 2026 14:18:20 +0000");
  EXPECT_EQ(m.headers.at("Message-ID"), "<id-1@coop.example>");
  EXPECT_EQ(m.headers.at("From"), "Hearth <alerts@coop.example>");
  EXPECT_EQ(test::decode_header_words(m.headers.at("To")), "Siân Ŵyn <sian@example.org>");
  EXPECT_EQ(m.headers.at("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(m.headers.at("Content-Transfer-Encoding"), "base64");
  const std::string subject = m.headers.at("Subject");
  EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << subject;
  EXPECT_EQ(test::decode_header_words(subject), email_text(welsh).subject);
  for (std::size_t i = 0, eol = 0; i < raw.size(); i = eol + 2) {
    eol = raw.find("\r\n", i);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - i, 78u) << "line too long: " << raw.substr(i, eol - i);
  }
  EXPECT_EQ(test::base64_decode(m.body).find("Helo Siân Ŵyn,\r\n"), 0u) << test::base64_decode(m.body);
}

TEST(NotifierEncoding, EncodedWordsNeverSplitACharacterAndStayShort) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Dŵr ";
  const std::string encoded = encode_header_words(text);
  EXPECT_EQ(test::decode_header_words(encoded), text);
  std::size_t start = 0;
  while (start < encoded.size()) {
    auto end = encoded.find("\r\n ", start);
    if (end == std::string::npos) end = encoded.size();
    EXPECT_LE(end - start, 75u);
    start = end + 3;
  }
  EXPECT_EQ(encode_header_words("Plain ASCII"), "Plain ASCII");
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST_F(NotifierTest, EveryConfiguredChannelIsUsedAndEachDeliveryRecorded) {
  ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0);
  auto due = tick();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(notifier->notify(due[0], person(due[0])), 2u) << "webhook and email; mqtt is the service's";
  ASSERT_EQ(transport.sent.size(), 2u);
  const auto& hook = transport.sent[0].job;
  EXPECT_EQ(hook.channel, NotifyChannel::webhook);
  EXPECT_EQ(hook.address, "https://hooks.example/anna");
  EXPECT_EQ(hook.secret, "a-shared-secret-of-32-characters");
  EXPECT_EQ(json::parse(hook.body), json::parse(notification_payload(due[0]))) << "the same body as the app's";
  const auto& mail = transport.sent[1].job;
  EXPECT_EQ(mail.channel, NotifyChannel::email);
  EXPECT_EQ(mail.address, "anna@example.org");
  EXPECT_NE(mail.message_id.find("@coop.example>"), std::string::npos) << mail.message_id;

  now = T0 + 2 * SEC;
  transport.sent[0].done({SendResult::Kind::delivered, "HTTP 204"});
  now = T0 + 3 * SEC;
  transport.sent[1].done({SendResult::Kind::delivered, "SMTP 250"});
  const auto delivered = steps_of_kind("delivered");
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].channel, "webhook");
  EXPECT_EQ(delivered[0].at_ms, T0 + 2 * SEC);
  EXPECT_EQ(delivered[0].person_id, "anna");
  EXPECT_EQ(delivered[1].channel, "email");
  EXPECT_EQ(delivered[1].note, "SMTP 250");
  EXPECT_EQ(notifier->stats().delivered, 2u);
}

TEST_F(NotifierTest, RetriesWithDoublingBackoffUntilDelivered) {
  ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0);
  ASSERT_EQ(tick().size(), 1u);  // anna
  now = T0 + 5 * MIN;
  auto due = tick();
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(due[0].person_id, "ben");
  ASSERT_EQ(notifier->notify(due[0], person(due[0])), 1u) << "Ben: email only";
  ASSERT_EQ(transport.sent.size(), 1u);
  const std::int64_t start = now;
  transport.sent[0].done({SendResult::Kind::retry, "Connection refused"});
  EXPECT_EQ(notifier->backoff_ms(1), 5 * SEC);
  EXPECT_EQ(notifier->backoff_ms(2), 10 * SEC);
  EXPECT_EQ(notifier->backoff_ms(5), 40 * SEC) << "capped at retry_max";
  now = start + 5 * SEC - 1;
  notifier->poll();
  EXPECT_EQ(transport.sent.size(), 1u) << "not before the backoff";
  now = start + 5 * SEC;
  notifier->poll();
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(transport.sent[1].job.attempts, 2);
  EXPECT_EQ(transport.sent[1].job.message_id, transport.sent[0].job.message_id) << "the same Message-ID on a retry";
  transport.sent[1].done({SendResult::Kind::retry, "SMTP 451"});
  now += 10 * SEC - 1;
  notifier->poll();
  EXPECT_EQ(transport.sent.size(), 2u);
  now += 1;
  notifier->poll();
  ASSERT_EQ(transport.sent.size(), 3u);
  transport.sent[2].done({SendResult::Kind::delivered, "SMTP 250"});
  EXPECT_EQ(notifier->stats().retries, 2u);
  EXPECT_EQ(notifier->stats().failures_by_channel.at("email"), 2u);
  const auto delivered = steps_of_kind("delivered");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].person_id, "ben");
  EXPECT_EQ(delivered[0].at_ms, now);
}

TEST_F(NotifierTest, GivesUpOnARefusalAtOnceAndOnFailuresWhenTooOld) {
  ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0);
  auto due = tick();
  ASSERT_EQ(notifier->notify(due[0], person(due[0])), 2u);
  transport.sent[0].done({SendResult::Kind::rejected, "HTTP 404"});
  ASSERT_EQ(steps_of_kind("delivery_failed").size(), 1u);
  EXPECT_EQ(steps_of_kind("delivery_failed")[0].channel, "webhook");
  EXPECT_EQ(steps_of_kind("delivery_failed")[0].note, "HTTP 404");
  // Email keeps failing: 5 s, 10 s, 20 s, 40 s, 40 s... until two minutes (give_up_after) are up.
  std::size_t answered = 1;
  int attempts = 0;
  while (attempts < 100 && steps_of_kind("delivery_failed").size() < 2) {
    ASSERT_EQ(transport.sent.size(), answered + 1);
    transport.sent[answered++].done({SendResult::Kind::retry, "Timeout"});
    ++attempts;
    now += 40 * SEC;
    notifier->poll();
  }
  EXPECT_EQ(steps_of_kind("delivery_failed").size(), 2u);
  EXPECT_GE(attempts, 3);
  EXPECT_LE(now - T0, 2 * MIN + 40 * SEC);
  EXPECT_EQ(notifier->stats().failed, 2u);
  EXPECT_EQ(notifier->waiting(), 0u);
  EXPECT_TRUE(steps_of_kind("delivered").empty());
}

TEST_F(NotifierTest, AttendedFromTheCarerAppOnlyBySomeoneWhoWasTold) {
  CarerInbox inbox(config, *store);
  EXPECT_EQ(inbox.subscription(), "$share/hearth-coordinators/hearth-carer/v1/+/+/attended");
  ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0);
  (void)tick();  // anna told
  const auto msg = [](const std::string& alert, const std::string& home = "gw-a1") {
    return json{{"schema", 1}, {"type", "attended"}, {"home_id", home}, {"alert_id", alert}, {"note", "on my way in"}}
        .dump();
  };
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/ben/attended", msg("smoke:k"), T0 + MIN),
            AttendOutcome::not_notified)
      << "Ben was not told yet";
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/anna/attended", msg("smoke:other"), T0 + MIN),
            AttendOutcome::not_notified);
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-b/anna/attended", msg("smoke:k", "gw-a1"), T0 + MIN),
            AttendOutcome::unknown_home)
      << "another co-op's topic cannot reach coop-a's homes";
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/anna/attended", "{not json", T0 + MIN),
            AttendOutcome::bad_request);
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/anna/attended", R"({"schema":2,"type":"attended"})", T0 + MIN),
            AttendOutcome::bad_request);
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/anna/attended", std::string(5000, ' '), T0 + MIN),
            AttendOutcome::bad_request);
  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-z/anna/attended", msg("smoke:k"), T0 + MIN),
            AttendOutcome::bad_request);
  EXPECT_TRUE(steps_of_kind("attended").empty());
  EXPECT_EQ(inbox.rejected().at("not_notified"), 2u);
  EXPECT_EQ(inbox.rejected().at("not_json"), 1u);

  EXPECT_EQ(inbox.on_message("hearth-carer/v1/coop-a/anna/attended", msg("smoke:k"), T0 + 20 * MIN),
            AttendOutcome::recorded);
  const auto attended = steps_of_kind("attended");
  ASSERT_EQ(attended.size(), 1u);
  EXPECT_EQ(attended[0].person_name, "Anna Jones");
  EXPECT_EQ(attended[0].person_id, "anna");
  EXPECT_EQ(attended[0].channel, "mqtt");
  EXPECT_EQ(attended[0].note, "on my way in");
  EXPECT_EQ(attended[0].at_ms, T0 + 20 * MIN);
  EXPECT_EQ(attended[0].raised_ms, T0);
  now = T0 + 60 * MIN;
  EXPECT_TRUE(tick().empty()) << "someone is there: the escalation stops";
}

TEST_F(NotifierTest, AttendedThroughTheApiIsForCoordinatorsOfTheCoop) {
  ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0);
  ApiAccount cath{"duty-cath", ApiRole::coordinator, "coop-a", ""};
  dashboard::HttpRequest req;
  req.method = "POST";
  req.path = "/api/v1/coops/coop-a/alerts/attend";
  req.body = R"({"home": "gw-a1", "alert_id": "smoke:k", "note": "paramedics here"})";
  const auto ok = attend_endpoint(*store, config, cath, req, T0 + 31 * MIN);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["by"], "duty-cath");
  req.body = R"({"home": "gw-b1", "alert_id": "smoke:k"})";
  EXPECT_EQ(attend_endpoint(*store, config, cath, req, T0).status, 404) << "another co-op's home";
  req.body = R"({"home": "gw-a1", "alert_id": "smoke:none"})";
  EXPECT_EQ(attend_endpoint(*store, config, cath, req, T0).status, 404);
  req.body = R"({"home": "gw-a1"})";
  EXPECT_EQ(attend_endpoint(*store, config, cath, req, T0).status, 400);
  const auto attended = steps_of_kind("attended");
  ASSERT_EQ(attended.size(), 1u);
  EXPECT_EQ(attended[0].channel, "api");
  EXPECT_EQ(attended[0].note, "paramedics here");
}

TEST_F(NotifierTest, ReportsTheShareAttendedWithinTheConfiguredTimes) {
  // Three alerts: attended after 20 min, after 40 min, and never.
  for (int i = 0; i < 3; ++i) {
    const std::int64_t raised = T0 + i * 100 * MIN;
    const std::string id = "smoke:" + std::to_string(i);
    ingest->on_message("hearth-uplink/v1/coop-a/gw-a1/alert",
                       event("r" + std::to_string(i), "raised", id, raised, raised), raised);
    if (i < 2) {
      AttendRequest r{"coop-a", "gw-a1", id, "Dora", "", "", "cli", raised + (i == 0 ? 20 : 40) * MIN};
      auto done = record_attendance(*store, config, r);
      ASSERT_TRUE(done);
      EXPECT_EQ(*done, AttendOutcome::recorded);
    }
  }
  AttendRequest again{"coop-a", "gw-a1", "smoke:0", "Ben", "", "", "cli", T0 + 50 * MIN};
  ASSERT_EQ(*record_attendance(*store, config, again), AttendOutcome::recorded) << "a second arrival is recorded too";
  AttendRequest unknown{"coop-a", "gw-a1", "smoke:9", "Dora", "", "", "cli", T0};
  EXPECT_EQ(*record_attendance(*store, config, unknown), AttendOutcome::unknown_alert);
  AttendRequest elsewhere{"coop-b", "gw-a1", "smoke:0", "Dora", "", "", "cli", T0};
  EXPECT_EQ(*record_attendance(*store, config, elsewhere), AttendOutcome::unknown_home);

  auto alerts = store->alerts("coop-a");
  auto steps = store->escalation_steps("coop-a", "");
  ASSERT_TRUE(alerts && steps);
  const auto s = attended_summary(*alerts, *steps, config.notify.attend_within);
  EXPECT_EQ(s.alerts, 3);
  EXPECT_EQ(s.attended, 2);
  ASSERT_EQ(s.within.size(), 2u);
  EXPECT_EQ(s.within[0].second, 1) << "within 30 min (the first arrival counts)";
  EXPECT_EQ(s.within[1].second, 2) << "within 45 min";
}

TEST(NotifierApi, AttendIsForTheCoopsCoordinatorsOnly) {
  test::TempDir dir;
  std::string yaml = base_config(dir) + "http:\n  port: 0\naccounts:\n";
  std::map<std::string, std::string> tokens;
  for (const auto& [name, role, coop] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"cath", "coordinator", "coop-a"}, {"ana", "analyst", "coop-a"}, {"bob", "coordinator", "coop-b"}}) {
    auto t = make_api_token(name, 1, 8192);  // lowest argon2id cost: tests only
    ASSERT_TRUE(t) << t.error().message;
    tokens[name] = t->token;
    yaml += "  - {name: " + name + ", role: " + role + ", coop: " + coop + ", token_hash: '" + t->hash + "'}\n";
  }
  auto c = parse_coordinator_config(yaml, "c.yaml");
  ASSERT_TRUE(c) << c.error().message;
  auto s = open_coordinator_store(c->store);
  ASSERT_TRUE(s) << s.error().message;
  Ingest ingest(*c, **s);
  ASSERT_EQ(ingest.on_message("hearth-uplink/v1/coop-a/gw-a1/alert", event("m1", "raised", "smoke:k", T0, T0), T0).kind,
            IngestResult::Kind::stored);
  CoordinatorApi api(*c, **s);
  const auto post = [&](const std::string& path, const std::string& who) {
    dashboard::HttpRequest req;
    req.method = "POST";
    req.path = path;
    req.target = path;
    req.remote_address = "127.0.0.1";
    req.headers.emplace_back("authorization", "Bearer " + tokens[who]);
    req.body = R"({"home": "gw-a1", "alert_id": "smoke:k"})";
    return api.handle(req).status;
  };
  EXPECT_EQ(post("/api/v1/coops/coop-a/alerts/attend", "ana"), 403) << "analysts never touch alerts";
  EXPECT_EQ(post("/api/v1/coops/coop-a/alerts/attend", "bob"), 404) << "another co-op's path";
  EXPECT_EQ(post("/api/v1/coops/coop-b/alerts/attend", "bob"), 404) << "gw-a1 is not coop-b's";
  auto steps = (*s)->escalation_steps("coop-a", "gw-a1");
  ASSERT_TRUE(steps);
  EXPECT_TRUE(std::none_of(steps->begin(), steps->end(), [](const auto& x) { return x.kind == "attended"; }));
  EXPECT_EQ(post("/api/v1/coops/coop-a/alerts/attend", "cath"), 200);
  steps = (*s)->escalation_steps("coop-a", "gw-a1");
  ASSERT_TRUE(steps);
  EXPECT_EQ(std::count_if(steps->begin(), steps->end(), [](const auto& x) { return x.kind == "attended"; }), 1);
  EXPECT_EQ(post("/api/v1/coops/coop-a/alerts", "cath"), 405) << "other paths stay read-only";
}
