#include "gateway/config.h"
#include "gateway/yaml_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace hearth::gateway;

namespace {

GatewayConfig parse_ok(const std::string& yaml) {
  auto c = parse_config(yaml, "test.yaml");
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? *c : GatewayConfig{};
}

std::string parse_error(const std::string& yaml) {
  auto c = parse_config(yaml, "test.yaml");
  EXPECT_FALSE(c.has_value());
  return c ? "" : c.error().message;
}

}  // namespace

TEST(Config, FullFileParses) {
  const auto c = parse_ok(R"(
home_id: flat-7
log_level: debug
mqtt:
  url: mqtts://broker.local:8883
  version: 3
  username: gw
  password: s3cret
  keepalive: 45s
  reconnect_min: 2s
  reconnect_max: 2m
store:
  path: /tmp/h.db
  commit_interval: 250ms
  raw_retention_days: 7
  synchronous: normal
http:
  address: 0.0.0.0
  port: 9000
ingest:
  max_payload_bytes: 4096
  duplicate_window: 0
drivers:
  z2m_base_topic: zb
  fahrenheit_devices: [shelly:ht-1]
devices:
  tasmota:kettle_plug: {name: Kettle, room: Kitchen, kind: kettle, switchable: true}
  z2m:oxygen: {name: Oxygen concentrator, kind: medical, essential: true}
)");
  EXPECT_EQ(c.home_id, "flat-7");
  EXPECT_EQ(c.mqtt.version, 3);
  EXPECT_EQ(c.mqtt.keepalive, std::chrono::seconds{45});
  EXPECT_EQ(c.mqtt.reconnect_max, std::chrono::seconds{120});
  EXPECT_EQ(c.store.commit_interval, std::chrono::milliseconds{250});
  EXPECT_FALSE(c.store.synchronous_full);
  EXPECT_EQ(c.http.port, 9000);
  EXPECT_EQ(c.ingest.duplicate_window, std::chrono::milliseconds{0});
  EXPECT_EQ(c.drivers.z2m_base_topic, "zb");
  EXPECT_TRUE(c.drivers.fahrenheit_devices.contains("shelly:ht-1"));
  ASSERT_EQ(c.devices.size(), 2u);
  EXPECT_EQ(c.devices.at("tasmota:kettle_plug").kind, "kettle");
  EXPECT_TRUE(c.devices.at("z2m:oxygen").essential);
}

TEST(Config, EmptyFileMeansDefaults) {
  const auto c = parse_ok("");
  EXPECT_EQ(c.mqtt.url, "tcp://127.0.0.1:1883");
  EXPECT_EQ(c.http.address, "127.0.0.1");
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  const auto e = parse_error("home_id: a\nmqtt:\n  url: tcp://x:1\n  pasword: oops\n");
  EXPECT_NE(e.find("test.yaml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("mqtt.pasword"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
}

TEST(Config, WrongTypesAndRangesAreErrors) {
  EXPECT_NE(parse_error("http:\n  port: 70000\n").find("http.port"), std::string::npos);
  EXPECT_NE(parse_error("http:\n  port: eighty\n").find("expected an integer"), std::string::npos);
  EXPECT_NE(parse_error("store:\n  commit_interval: 5s\n").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error("store:\n  commit_interval: soon\n").find("duration"), std::string::npos);
  EXPECT_NE(parse_error("mqtt:\n  version: 4\n").find("mqtt.version"), std::string::npos);
  EXPECT_NE(parse_error("devices:\n  tasmota:x: {kind: toaster}\n").find("unknown appliance kind"), std::string::npos);
  EXPECT_NE(parse_error("devices:\n  nocolon: {kind: tv}\n").find("<driver>:<native id>"), std::string::npos);
  EXPECT_NE(parse_error("home_id: a\nhome_id: b\n").find("duplicate"), std::string::npos);
  EXPECT_NE(parse_error("mqtt: [1, 2").find("test.yaml"), std::string::npos);  // YAML syntax error
}

TEST(Config, OverridesAndDerivedDefaults) {
  ::unsetenv("HEARTH_API_TOKEN");
  Overrides o;
  o.mqtt_url = "ssl://b:8883";
  o.db_path = "/tmp/x.db";
  o.http_listen = "[::1]:8123";
  o.home_id = "home-2";
  auto c = finalise_config(GatewayConfig{}, o);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->mqtt.url, "ssl://b:8883");
  EXPECT_TRUE(c->mqtt.tls.enabled);
  EXPECT_EQ(c->store.path, "/tmp/x.db");
  EXPECT_EQ(c->http.address, "::1");
  EXPECT_EQ(c->http.port, 8123);
  EXPECT_EQ(c->mqtt.client_id, "hearthd-home-2");
  EXPECT_TRUE(c->http.api_token.empty());
}

TEST(Config, ApiTokenFromEnvironment) {
  ::setenv("HEARTH_API_TOKEN", "from-env-token", 1);
  auto c = finalise_config(GatewayConfig{}, {});
  ::unsetenv("HEARTH_API_TOKEN");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->http.api_token, "from-env-token");
}

TEST(Config, BadOverridesAreErrors) {
  Overrides o;
  o.http_listen = "localhost";
  EXPECT_FALSE(finalise_config(GatewayConfig{}, o).has_value());
  o.http_listen = "127.0.0.1:99999";
  EXPECT_FALSE(finalise_config(GatewayConfig{}, o).has_value());
  Overrides u;
  u.mqtt_url = "http://broker";
  EXPECT_FALSE(finalise_config(GatewayConfig{}, u).has_value());
  Overrides h;
  h.home_id = "bad/id";
  EXPECT_FALSE(finalise_config(GatewayConfig{}, h).has_value());
}

TEST(Config, DescribeHidesSecrets) {
  GatewayConfig c;
  c.mqtt.password = "hunter2";
  c.http.api_token = "tok-abc";
  std::string all;
  for (const auto& line : describe_config(c)) all += line + "\n";
  EXPECT_EQ(all.find("hunter2"), std::string::npos);
  EXPECT_EQ(all.find("tok-abc"), std::string::npos);
  EXPECT_NE(all.find("password=***"), std::string::npos);
}

TEST(Config, ShippedExampleParses) {
  const auto path = std::filesystem::path(HEARTH_SOURCE_DIR) / "packaging/hearth.yaml.example";
  auto c = load_config_file(path.string());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  auto f = finalise_config(std::move(*c), {});
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->home_id, "flat-7");
  EXPECT_TRUE(f->devices.at("z2m:bedroom/oxygen").essential);
}

TEST(Config, RulesDefaultsAndOverrides) {
  const auto defaults = parse_ok("");
  EXPECT_FALSE(defaults.rules.thresholds.empty()) << "cold-home rules are on by default";
  const auto c = parse_ok(R"(
rules:
  utc_offset_min: 60
  thresholds:
    - {id: cold_home, metric: temperature_c, below: 15.5, for: 90m, severity: emergency, occupied: true, rooms: [Lounge]}
    - {id: overheating, metric: temperature_c, above: 26, for: 1h, during: "22:30-06:45"}
  appliance_left_on: {threshold_w: 30, on_for: 20m, auto_switch_off: true}
  inactivity: {no_activity_for: 4h, waking: "08:00-22:00"}
  night_door: {rooms: [Hall], kinds: [entrance_door]}
  device_health: {offline_for: 15m, battery_low_pct: 20}
  safety: {co_ppm_threshold: 35}
)");
  ASSERT_EQ(c.rules.thresholds.size(), 2u);
  EXPECT_EQ(c.rules.utc_offset, std::chrono::minutes{60});
  EXPECT_DOUBLE_EQ(c.rules.thresholds[0].threshold, 15.5);
  EXPECT_EQ(c.rules.thresholds[0].duration, std::chrono::minutes{90});
  EXPECT_EQ(c.rules.thresholds[0].severity, hearth::core::Severity::emergency);
  EXPECT_TRUE(c.rules.thresholds[0].require_occupied);
  EXPECT_EQ(c.rules.thresholds[1].direction, hearth::rules::Direction::above);
  EXPECT_EQ(c.rules.thresholds[1].only_during.start_min, 22 * 60 + 30);
  EXPECT_EQ(c.rules.thresholds[1].only_during.end_min, 6 * 60 + 45);
  EXPECT_TRUE(c.rules.appliance_left_on.auto_switch_off);
  EXPECT_EQ(c.rules.inactivity.no_activity_for, std::chrono::hours{4});
  EXPECT_EQ(c.rules.device_health.offline_for, std::chrono::minutes{15});
  EXPECT_DOUBLE_EQ(c.rules.safety.co_ppm_threshold, 35.0);
}

TEST(Config, RuleErrorsNameLineAndField) {
  const auto e = parse_error("rules:\n  thresholds:\n    - {id: x, metric: temperature_c, below: 10, for: soon}\n");
  EXPECT_NE(e.find("test.yaml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("rules.thresholds[0].for"), std::string::npos) << e;
  EXPECT_NE(parse_error("rules:\n  thresholds:\n    - {id: x, metric: motion, below: 1}\n").find("numeric metric"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  thresholds:\n    - {id: x, metric: temperature_c}\n").find("exactly one of below"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  thresholds:\n    - {id: x, metric: temperature_c, below: 1, message_key: nope}\n")
                .find("no message 'nope'"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  night_door: {night: 25:00-07:00}\n").find("hours 0-23"), std::string::npos);
  EXPECT_NE(parse_error("rules:\n  inactivity: {severity: dire}\n").find("expected info, warning"), std::string::npos);
  EXPECT_NE(parse_error("rules:\n  speed: 1\n").find("rules.speed"), std::string::npos);
}

TEST(Config, HugeDurationsAreErrorsNotCrashes) {
  EXPECT_NE(parse_error("mqtt:\n  keepalive: 99999999999999999999s\n").find("mqtt.keepalive"), std::string::npos);
  EXPECT_NE(parse_error("store:\n  commit_interval: 9999999999999999h\n").find("store.commit_interval"),
            std::string::npos);
  EXPECT_EQ(parse_duration_text(" 5 m "), std::chrono::minutes{5});
  EXPECT_EQ(parse_duration_text("0"), std::chrono::milliseconds{0});
  EXPECT_FALSE(parse_duration_text("-1s"));
  EXPECT_FALSE(parse_duration_text("3 weeks"));
}

TEST(Config, HomeIdsOfTheFirmwareNamespaceAreReserved) {
  for (const char* id : {"v1", "v2", "v10"}) {
    Overrides o;
    o.home_id = id;
    EXPECT_FALSE(finalise_config(GatewayConfig{}, o).has_value()) << id;
  }
  Overrides ok;
  ok.home_id = "v1-flat";
  EXPECT_TRUE(finalise_config(GatewayConfig{}, ok).has_value());
}

TEST(Config, WebhookAndConsent) {
  const auto c = parse_ok(R"(
consent: {alerts: true, daily_summaries: false}
webhook:
  url: https://carers.example.org/hearth
  secret: 0123456789abcdef0123
  timeout: 5s
  retry_min: 2s
  retry_max: 10m
  give_up_after: 48h
)");
  EXPECT_TRUE(c.consent.alerts);
  EXPECT_FALSE(c.consent.daily_summaries);
  EXPECT_EQ(c.webhook.url, "https://carers.example.org/hearth");
  EXPECT_EQ(c.webhook.timeout, std::chrono::seconds{5});
  EXPECT_EQ(c.webhook.retry_min, std::chrono::seconds{2});
  EXPECT_EQ(c.webhook.retry_max, std::chrono::minutes{10});
  EXPECT_EQ(c.webhook.give_up_after, std::chrono::hours{48});
  std::string described;
  for (const auto& line : describe_config(c)) described += line + "\n";
  EXPECT_EQ(described.find("0123456789abcdef0123"), std::string::npos) << "the secret is never logged";
  EXPECT_TRUE(parse_ok("home_id: x\n").webhook.url.empty()) << "off by default";
  EXPECT_TRUE(parse_ok("home_id: x\n").consent.alerts) << "default consent: alerts";
}

TEST(Config, WebhookRefusesPlainHttpOffThisMachineAndWeakSecrets) {
  EXPECT_NE(parse_error("webhook: {url: 'http://carers.example.org/h', secret: 0123456789abcdef}").find("https"),
            std::string::npos);
  parse_ok("webhook: {url: 'http://127.0.0.1:9000/h', secret: 0123456789abcdef}");
  parse_ok("webhook: {url: 'http://localhost/h', secret: 0123456789abcdef}");
  EXPECT_NE(parse_error("webhook: {url: 'https://a.example/h'}").find("webhook.secret"), std::string::npos);
  EXPECT_NE(parse_error("webhook: {url: 'https://a.example/h', secret: short}").find("16 characters"),
            std::string::npos);
  EXPECT_NE(parse_error("webhook: {secret: 0123456789abcdef}").find("webhook.url"), std::string::npos);
  EXPECT_NE(parse_error("webhook: {url: 'https://a.example/h', secret: 0123456789abcdef, retry_min: 5m, retry_max: 1m}")
                .find("retry_max"),
            std::string::npos);
  EXPECT_NE(parse_error("consent: {raw_readings: true}").find("consent.raw_readings"), std::string::npos);
}

TEST(Config, WellbeingSettings) {
  const auto c = parse_ok("rules:\n  wellbeing: {window_days: 28, warmup_days: 10, sensitivity: low}\n");
  EXPECT_EQ(c.rules.wellbeing.window_days, 28);
  EXPECT_EQ(c.rules.wellbeing.warmup_days, 10);
  EXPECT_EQ(c.rules.wellbeing.sensitivity, hearth::rules::Sensitivity::low);
  EXPECT_TRUE(c.rules.wellbeing.enabled);
  EXPECT_FALSE(parse_ok("rules:\n  wellbeing: {enabled: false}\n").rules.wellbeing.enabled);
  EXPECT_NE(parse_error("rules:\n  wellbeing: {sensitivity: paranoid}\n").find("rules.wellbeing.sensitivity"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  wellbeing: {window_days: 10, warmup_days: 14}\n").find("warmup_days"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  wellbeing: {margin: 5}\n").find("rules.wellbeing.margin"), std::string::npos);
}

TEST(Config, HttpTls) {
  const auto off = parse_ok("http: {port: 8443}\n");
  EXPECT_FALSE(off.http.tls.enabled) << "off by default";
  EXPECT_FALSE(off.http.secure_cookies);

  const auto self_signed = parse_ok("http:\n  tls: {enabled: true}\n");
  EXPECT_TRUE(self_signed.http.tls.enabled);
  EXPECT_TRUE(self_signed.http.tls.cert_file.empty());
  auto finalised = finalise_config(self_signed, Overrides{});
  ASSERT_TRUE(finalised) << finalised.error().message;
  EXPECT_TRUE(finalised->http.secure_cookies) << "TLS forces Secure cookies";
  std::string described;
  for (const auto& line : describe_config(*finalised)) described += line + "\n";
  EXPECT_NE(described.find("tls=on (self-signed)"), std::string::npos) << described;

  const auto own =
      parse_ok("http:\n  tls: {enabled: true, cert_file: /etc/hearth/a.crt, key_file: /etc/hearth/a.key}\n");
  EXPECT_EQ(own.http.tls.cert_file, "/etc/hearth/a.crt");
  EXPECT_EQ(own.http.tls.key_file, "/etc/hearth/a.key");

  EXPECT_NE(parse_error("http:\n  tls: {enabled: true, cert_file: /a.crt}\n").find("http.tls"), std::string::npos);
  EXPECT_NE(parse_error("http:\n  tls: {enabled: yes please}\n").find("http.tls.enabled"), std::string::npos);
  EXPECT_NE(parse_error("http:\n  tls: {enabled: true, ciphers: all}\n").find("http.tls.ciphers"), std::string::npos);
  EXPECT_NE(parse_error("http:\n  tls: {enabled: true, cert_file: ''}\n").find("http.tls.cert_file"),
            std::string::npos);
}

TEST(Config, EnergyDefaultsAndSettings) {
  const auto d = parse_ok("home_id: a\n");
  EXPECT_TRUE(d.energy.enabled);
  EXPECT_EQ(d.energy.tariff.id, hearth::rules::energy::default_tariff().id);
  EXPECT_FALSE(d.energy.income.has_value());

  const auto c = parse_ok(R"(
energy:
  tariff: ofgem_cap_2024q3_dd_electric
  prepayment: true
  income_band: {low_pence_per_year: 1200000, high_pence_per_year: 1500000}
  grid_kg_co2e_per_kwh: 0.19
  kit_cost_pence: 15000
  baseline: 2024-01-01..2024-01-31
  reporting: 2024-02-01..2024-02-29
devices:
  tasmota:tv: {kind: tv, rating_w: 500, calibration_factor: 0.92}
  tasmota:meter: {kind: mains}
)");
  EXPECT_EQ(c.energy.tariff.id, "ofgem_cap_2024q3_dd_electric");
  EXPECT_TRUE(c.energy.tariff.prepayment);
  ASSERT_TRUE(c.energy.income.has_value());
  EXPECT_EQ(c.energy.income->low_pence_per_year, 1200000);
  EXPECT_EQ(c.energy.income->high_pence_per_year, 1500000);
  EXPECT_DOUBLE_EQ(c.energy.grid_kg_co2e_per_kwh, 0.19);
  EXPECT_EQ(c.energy.kit_cost_pence, 15000);
  ASSERT_TRUE(c.energy.baseline && c.energy.reporting);
  EXPECT_EQ(hearth::rules::energy::format_day(c.energy.baseline->first), "2024-01-01");
  EXPECT_EQ(hearth::rules::energy::format_day(c.energy.reporting->second), "2024-02-29");
  EXPECT_DOUBLE_EQ(c.devices.at("tasmota:tv").rating_w, 500.0);
  EXPECT_DOUBLE_EQ(c.devices.at("tasmota:tv").calibration_factor, 0.92);
  EXPECT_DOUBLE_EQ(c.devices.at("tasmota:meter").calibration_factor, 1.0);
}

TEST(Config, InlineTariffInTheShippedFormIsCheckedByTheTariffParser) {
  const auto c = parse_ok(R"(
energy:
  tariff:
    id: my_bill
    name: Our E7 tariff
    source: our bill
    source_date: "2024-10-01"
    electricity:
      unit_rate_p_per_kwh: 28.5
      standing_charge_p_per_day: 55
      bands: [{name: night, start: "00:30", end: "07:30", unit_rate_p_per_kwh: 12.1}]
    heating_fuel: electricity
)");
  EXPECT_EQ(c.energy.tariff.id, "my_bill");
  EXPECT_DOUBLE_EQ(c.energy.tariff.electricity.unit_rate_p_per_kwh, 28.5);
  ASSERT_EQ(c.energy.tariff.electricity.bands.size(), 1u);
  EXPECT_EQ(c.energy.tariff.electricity.bands[0].start_min, 30);
  EXPECT_EQ(c.energy.tariff.electricity.bands[0].end_min, 450);
}

TEST(Config, BadEnergyValuesNameFileLineAndKey) {
  const auto expect = [](const std::string& yaml, const std::string& line, const std::string& key) {
    const auto e = parse_error(yaml);
    EXPECT_NE(e.find("test.yaml:" + line + ":"), std::string::npos) << e;
    EXPECT_NE(e.find(key), std::string::npos) << e;
  };
  expect("energy:\n  tariff: cheapest_ever\n", "2", "energy.tariff");
  expect("energy:\n  tariff:\n    id: x\n    electricity: {unit_rate_p_per_kwh: -3, standing_charge_p_per_day: 50}\n",
         "3", "energy.tariff");
  expect("energy:\n  tariff: ofgem_cap_2024q3_dd_electric\n  heating_fuel: gas\n", "3", "energy.heating_fuel");
  expect("energy:\n  heating_fuel: coal\n", "2", "energy.heating_fuel");
  expect("energy:\n  income_band: {low_pence_per_year: 2000000, high_pence_per_year: 1000}\n", "2",
         "energy.income_band.high_pence_per_year");
  expect("energy:\n  grid_kg_co2e_per_kwh: 7\n", "2", "energy.grid_kg_co2e_per_kwh");
  expect("energy:\n  baseline: 2024-02-01..2024-01-01\n", "2", "energy.baseline");
  expect("energy:\n  reporting: last week\n", "2", "energy.reporting");
  expect("energy:\n  kit_cost: 100\n", "2", "energy.kit_cost");
  expect("devices:\n  tasmota:x: {kind: tv, rating_w: 0}\n", "2", "devices.tasmota:x.rating_w");
  expect("devices:\n  tasmota:x:\n    calibration_factor: 9\n", "3", "devices.tasmota:x.calibration_factor");
}

// gateway/yaml_config.h, shared with hearth-coordinator's config.
TEST(YamlConfig, StrictReadingSharedByBothConfigFiles) {
  using hearth::gateway::YamlParser;
  const auto parse = [](const std::string& text) {
    return hearth::gateway::parse_yaml_config<std::string>(
        text, "x.yaml", [](const YamlParser& p, const YAML::Node& root) {
          p.only_keys(root, "", {"ids", "n"});
          if (root["ids"]) p.only_keys(root["ids"], "ids", {});  // any id
          if (root["n"]) return std::to_string(p.number(root["n"], "n", 0.0, 10.0));
          return std::string("ok");
        });
  };
  EXPECT_TRUE(parse("ids: {a: 1, b: 2}\n"));
  const auto dup = parse("ids:\n  a: 1\n  a: 2\n");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("x.yaml:3: ids.a: duplicate key"), std::string::npos) << dup.error().message;
  const auto unknown = parse("idz: {}\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("x.yaml:1: idz: unknown key"), std::string::npos);
  EXPECT_FALSE(parse("n: .nan\n"));
  EXPECT_FALSE(parse("n: 11\n"));
  EXPECT_FALSE(parse("ids: [unclosed\n"));
  EXPECT_TRUE(hearth::gateway::mqtt_url_encrypted_or_loopback("mqtts://coop.example:8883"));
  EXPECT_TRUE(hearth::gateway::mqtt_url_encrypted_or_loopback("tcp://127.0.0.1:1883"));
  EXPECT_FALSE(hearth::gateway::mqtt_url_encrypted_or_loopback("tcp://coop.example:1883"));
  EXPECT_FALSE(hearth::gateway::mqtt_url_encrypted_or_loopback("mqtts://"));
  EXPECT_TRUE(hearth::gateway::config_id_valid("gw-0042"));
  EXPECT_FALSE(hearth::gateway::config_id_valid("gw/0042"));
  EXPECT_FALSE(hearth::gateway::config_id_valid(std::string(65, 'a')));
}
