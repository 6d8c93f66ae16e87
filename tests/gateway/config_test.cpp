#include "gateway/config.h"

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
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../packaging/hearth.yaml.example";
  auto c = load_config_file(path.string());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  auto f = finalise_config(std::move(*c), {});
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->home_id, "flat-7");
  EXPECT_TRUE(f->devices.at("z2m:bedroom/oxygen").essential);
}
