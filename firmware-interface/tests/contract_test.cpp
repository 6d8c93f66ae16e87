// One contract, three implementations that must agree: the JSON Schemas (and their examples), the
// C99 library (hearth_fw.h) and the gateway's decoder (drivers/hearth_native_driver).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/hearth_native_driver.h"
#include "hearth_fw.h"

namespace {

namespace fs = std::filesystem;
using hearth::drivers::Decoded;
using hearth::drivers::HearthNativeDriver;
using hearth::drivers::Message;
using hearth::drivers::Outcome;
namespace native = hearth::drivers::native;
using nlohmann::json;

const fs::path ROOT = HEARTH_FW_DIR;
const auto T0 = hearth::core::from_epoch_ms(1'767'225'600'000);

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> examples(const char* outcome) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(ROOT / "examples" / "messages" / outcome)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string kind_of(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.substr(0, name.find('.'));
}

// Problems the driver found that are contract violations (a refusal in an ack is a correct answer).
std::vector<std::string> violations(const Decoded& d) {
  std::vector<std::string> out;
  if (d.outcome == Outcome::rejected || d.outcome == Outcome::not_mine) out.push_back("outcome " + d.reject_reason);
  for (const auto& i : d.issues) {
    if (!i.reason.starts_with("refused_")) out.push_back(i.field + " " + i.reason);
  }
  return out;
}

Decoded decode_example(HearthNativeDriver& driver, const std::string& kind, const std::string& payload) {
  const bool retained = kind == "status" || kind == "describe";
  return driver.decode(Message{"hearth/v1/example/" + kind, payload, retained, T0});
}

TEST(ContractExamples, ThereAreExamplesOfEveryKind) {
  std::set<std::string> valid, invalid;
  for (const auto& p : examples("valid")) valid.insert(kind_of(p));
  for (const auto& p : examples("invalid")) invalid.insert(kind_of(p));
  const std::set<std::string> kinds = {"ack", "claim", "command", "describe", "provision", "reading", "status"};
  EXPECT_EQ(valid, kinds);
  EXPECT_EQ(invalid, kinds);
}

TEST(ContractExamples, TheDriverAcceptsEveryValidExample) {
  for (const auto& path : examples("valid")) {
    const std::string kind = kind_of(path);
    if (kind == "command" || kind == "provision") continue;  // the device's side: see the C decoder tests below
    HearthNativeDriver driver;
    const Decoded d = decode_example(driver, kind, slurp(path));
    EXPECT_EQ(d.outcome, Outcome::decoded) << path;
    EXPECT_TRUE(violations(d).empty()) << path << ": " << violations(d).front();
  }
}

TEST(ContractExamples, TheDriverRefusesEveryInvalidExample) {
  for (const auto& path : examples("invalid")) {
    const std::string kind = kind_of(path);
    if (kind == "command" || kind == "provision") continue;
    HearthNativeDriver driver;
    EXPECT_FALSE(violations(decode_example(driver, kind, slurp(path))).empty()) << path;
  }
}

TEST(ContractExamples, TheCDecoderAgreesOnEveryCommandExample) {
  int valid = 0, invalid = 0;
  for (const char* outcome : {"valid", "invalid"}) {
    for (const auto& path : examples(outcome)) {
      if (kind_of(path) != "command") continue;
      const std::string payload = slurp(path);
      hfw_command cmd;
      const hfw_status st = hfw_decode_command(payload.data(), payload.size(), &cmd);
      if (std::string(outcome) == "valid") {
        ++valid;
        EXPECT_EQ(st, HFW_OK) << path;
        const json j = json::parse(payload);
        EXPECT_EQ(std::string(cmd.id), j["id"].get<std::string>());
        EXPECT_EQ(cmd.relay, j["relay"].get<int>());
        EXPECT_EQ(cmd.on != 0, j["on"].get<bool>());
      } else {
        ++invalid;
        EXPECT_NE(st, HFW_OK) << path;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

// The gateway's provision message (gateway/provisioning.cpp) as firmware reads it; the schema
// test checks the same examples, so the C envelope decoder and the schema agree.
TEST(ContractExamples, TheCDecoderAgreesOnEveryProvisionExample) {
  int valid = 0, invalid = 0;
  for (const char* outcome : {"valid", "invalid"}) {
    for (const auto& path : examples(outcome)) {
      if (kind_of(path) != "provision") continue;
      const std::string payload = slurp(path);
      std::uint8_t sealed[HFW_MAX_SEALED];
      std::size_t n = 0;
      const hfw_status st = hfw_decode_provision(payload.data(), payload.size(), sealed, sizeof sealed, &n);
      if (std::string(outcome) == "valid") {
        ++valid;
        EXPECT_EQ(st, HFW_OK) << path;
        EXPECT_EQ(n * 2, json::parse(payload)["sealed"].get<std::string>().size()) << path;
      } else {
        ++invalid;
        EXPECT_NE(st, HFW_OK) << path;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

TEST(ContractTables, CHeaderDriverAndSchemaListTheSameMetricsAndUnits) {
  const auto specs = native::metric_specs();
  ASSERT_EQ(specs.size(), static_cast<std::size_t>(HFW_METRIC_COUNT));
  for (int m = 0; m < HFW_METRIC_COUNT; ++m) {
    const hfw_metric_info* c = hfw_metric_info_of(static_cast<hfw_metric>(m));
    const auto& cpp = specs[static_cast<std::size_t>(m)];
    EXPECT_EQ(cpp.name, c->name);
    EXPECT_EQ(cpp.unit, c->unit == nullptr ? "" : c->unit) << c->name;
    EXPECT_EQ(cpp.min, c->min) << c->name;
    EXPECT_EQ(cpp.max, c->max) << c->name;
  }
  const json schema = json::parse(slurp(ROOT / "schemas" / "reading.schema.json"));
  const json& sample = schema["$defs"]["sample"];
  std::vector<std::string> names;
  for (const auto& s : specs) names.emplace_back(s.name);
  EXPECT_EQ(sample["properties"]["metric"]["enum"].get<std::vector<std::string>>(), names);
  for (const auto& rule : sample["allOf"]) {
    const json& metric = rule["if"]["properties"]["metric"];
    if (!metric.contains("const") || !rule["then"].contains("properties")) continue;
    const auto* spec = native::find_metric(metric["const"].get<std::string>());
    ASSERT_NE(spec, nullptr);
    const json& then = rule["then"]["properties"];
    if (then.contains("unit")) {
      EXPECT_EQ(then["unit"]["const"].get<std::string>(), spec->unit) << spec->name;
    }
    if (then.contains("value") && then["value"].contains("minimum")) {
      EXPECT_EQ(then["value"]["minimum"].get<double>(), spec->min) << spec->name;
      EXPECT_EQ(then["value"]["maximum"].get<double>(), spec->max) << spec->name;
    }
  }
}

// Every metric at its limits and in between, on every channel, as the C encoder writes it: the
// driver takes each value back within the encoder's rounding.
TEST(ContractRoundTrip, EveryMetricTheCEncoderWritesTheDriverReads) {
  HearthNativeDriver driver;
  std::uint32_t seq = 0;
  for (int ch = 0; ch <= HFW_MAX_CHANNEL; ch += 5) {
    for (int m = 0; m < HFW_METRIC_COUNT; ++m) {
      const auto metric = static_cast<hfw_metric>(m);
      const hfw_metric_info* info = hfw_metric_info_of(metric);
      for (const double v : {info->min, info->max, (info->min + info->max) / 3.0}) {
        char buf[HFW_MAX_PAYLOAD + 1];
        hfw_reading r;
        hfw_reading_begin(&r, buf, sizeof buf, "5d1c0e7a", seq++, 0);
        const auto c = static_cast<std::uint8_t>(ch);
        if (metric == HFW_ENERGY_KWH) {
          hfw_reading_energy(&r, c, v, "5d1c0e7a");
        } else if (info->unit != nullptr) {
          hfw_reading_number(&r, c, metric, v);
        } else {
          hfw_reading_flag(&r, c, metric, v > 0.5);
        }
        std::size_t len = 0;
        ASSERT_EQ(hfw_reading_end(&r, &len), HFW_OK) << info->name << " " << v;
        const Decoded d = driver.decode(Message{"hearth/v1/rt/reading", std::string(buf, len), false, T0});
        ASSERT_TRUE(violations(d).empty()) << buf << ": " << violations(d).front();
        ASSERT_EQ(d.readings.size(), 1U) << buf;
        EXPECT_EQ(d.readings[0].device_id, ch == 0 ? "hearth:rt" : "hearth:rt#" + std::to_string(ch));
        EXPECT_EQ(d.readings[0].metric, native::metric_specs()[static_cast<std::size_t>(m)].metric);
        const double expected = info->unit == nullptr ? (v > 0.5 ? 1.0 : 0.0) : v;
        EXPECT_NEAR(d.readings[0].value, expected, 0.5 * std::pow(10.0, -static_cast<double>(info->decimals))) << buf;
      }
    }
  }
}

TEST(ContractRoundTrip, DescribeAckAndClaimFromTheCLibraryAreAccepted) {
  HearthNativeDriver driver;
  static const hfw_capability CAPS[] = {{0, HFW_RELAY_ON, 1, 0}, {1, HFW_RELAY_ON, 1, 1}, {1, HFW_POWER_W, 0, 0}};
  const hfw_description desc{"Hearth Plug 1", "1.4.2", "5d1c0e7a", 60, 0, CAPS, 3};
  char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
  std::size_t len = 0;
  ASSERT_EQ(hfw_encode_describe(buf, sizeof buf, &desc, &len), HFW_OK);
  EXPECT_TRUE(violations(driver.decode(Message{"hearth/v1/rt/describe", buf, true, T0})).empty());
  ASSERT_NE(driver.description("rt"), nullptr);
  EXPECT_TRUE(driver.description("rt")->find(1, hearth::core::Metric::relay_on)->essential);

  // The gateway's command, through the device's safety rule, and the ack back through the gateway.
  hfw_relay relays[2] = {{1, 0, 0}, {1, 1, 1}};
  const auto on = driver.relay_command("hearth:rt", true);
  ASSERT_TRUE(on.has_value());
  hfw_ack ack;
  ASSERT_EQ(hfw_handle_command(on->payload.data(), on->payload.size(), 0, relays, 2, &ack), HFW_OK);
  ASSERT_EQ(hfw_encode_ack(buf, sizeof buf, &ack, &len), HFW_OK);
  Decoded d = driver.decode(Message{"hearth/v1/rt/ack", buf, false, T0});
  EXPECT_TRUE(violations(d).empty());
  ASSERT_EQ(d.readings.size(), 1U);
  EXPECT_EQ(d.readings[0].value, 1.0);
  // An off the gateway would never send, as a broken gateway might: the device still refuses it.
  const std::string off = native::encode_command("x1", 1, false);
  ASSERT_EQ(hfw_handle_command(off.data(), off.size(), 0, relays, 2, &ack), HFW_OK);
  ASSERT_EQ(hfw_encode_ack(buf, sizeof buf, &ack, &len), HFW_OK);
  d = driver.decode(Message{"hearth/v1/rt/ack", buf, false, T0});
  EXPECT_TRUE(violations(d).empty());
  ASSERT_EQ(d.issues.size(), 1U);
  EXPECT_EQ(d.issues[0].reason, native::why::REFUSED_ESSENTIAL);
  EXPECT_EQ(relays[1].on, 1);

  const std::uint8_t key[HFW_PUBLIC_KEY_LEN] = {1, 2, 3};
  ASSERT_EQ(hfw_encode_claim(buf, sizeof buf, "Hearth Plug 1", "1.4.2", "7K3QM9TZ", key, &len), HFW_OK);
  EXPECT_TRUE(violations(driver.decode(Message{"hearth/v1/new-plug/claim", buf, false, T0})).empty());
  EXPECT_TRUE(driver.claim_code_matches("hearth:new-plug", "7k3q-m9tz"));
}

TEST(ContractRoundTrip, GatewayCommandsDecodeInTheCLibrary) {
  for (const char* id : {"h1", "conf-12", "A_b-9", "xxxxxxxxxxxxxxxxxxxxxxxx"}) {
    for (int relay : {0, 7, 15}) {
      for (bool on : {true, false}) {
        const std::string payload = native::encode_command(id, relay, on);
        hfw_command cmd;
        ASSERT_EQ(hfw_decode_command(payload.data(), payload.size(), &cmd), HFW_OK) << payload;
        EXPECT_STREQ(cmd.id, id);
        EXPECT_EQ(cmd.relay, relay);
        EXPECT_EQ(cmd.on != 0, on);
      }
    }
  }
}

}  // namespace
