// Host tests of the C99 firmware library (hearth_fw.h), compiled as C++ here; the C99 build of the
// same header is checked by the hearth_fw_c99_* tests and the C targets.
#include "hearth_fw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace {

// Runs an encoder into a buffer of `cap` bytes; the text written (empty on error) and the status.
struct Encoded {
  hfw_status status;
  std::string text;
};
using Encoder = std::function<hfw_status(char*, std::size_t, std::size_t*)>;

Encoded run(const Encoder& encode, std::size_t cap = 4096) {
  std::vector<char> buf(cap + 1, 'X');
  std::size_t len = 12345;
  const hfw_status st = encode(buf.data(), cap, &len);
  const std::string text = cap > 0 ? std::string(buf.data()) : std::string();
  EXPECT_EQ(len, text.size());
  return {st, text};
}

// Every buffer shorter than the message needs: OVERFLOW and an empty string, never a prefix.
void expect_bounded(const Encoder& encode) {
  const Encoded full = run(encode);
  ASSERT_EQ(full.status, HFW_OK);
  for (std::size_t cap = 1; cap <= full.text.size(); ++cap) {
    const Encoded e = run(encode, cap);
    ASSERT_EQ(e.status, HFW_ERR_OVERFLOW) << "cap " << cap;
    ASSERT_EQ(e.text, "") << "cap " << cap;
  }
  EXPECT_EQ(run(encode, full.text.size() + 1).text, full.text);
  std::size_t len = 7;
  EXPECT_EQ(encode(nullptr, 0, &len), HFW_ERR_OVERFLOW);
  EXPECT_EQ(len, 0U);
}

Encoder status(int online, const char* boot) {
  return [=](char* b, std::size_t c, std::size_t* n) { return hfw_encode_status(b, c, online, boot, n); };
}

TEST(HearthFwTopic, BuildsTheContractTopics) {
  char buf[HFW_MAX_TOPIC];
  const std::pair<hfw_topic_kind, const char*> kinds[] = {{HFW_TOPIC_READING, "reading"},
                                                          {HFW_TOPIC_STATUS, "status"},
                                                          {HFW_TOPIC_DESCRIBE, "describe"},
                                                          {HFW_TOPIC_CMD, "cmd"},
                                                          {HFW_TOPIC_ACK, "ack"},
                                                          {HFW_TOPIC_CLAIM, "claim"},
                                                          {HFW_TOPIC_PROVISION, "provision"}};
  for (const auto& [kind, leaf] : kinds) {
    ASSERT_EQ(hfw_topic(buf, sizeof buf, "plug-7", kind), HFW_OK);
    EXPECT_EQ(std::string(buf), std::string("hearth/v1/plug-7/") + leaf);
  }
  const std::string longest(HFW_MAX_DEVICE_ID, 'z');
  ASSERT_EQ(hfw_topic(buf, sizeof buf, longest.c_str(), HFW_TOPIC_DESCRIBE), HFW_OK);
  EXPECT_EQ(std::string(buf), "hearth/v1/" + longest + "/describe");
  for (const char* bad : {"", "Plug", "_x", "a/b", "a+b", "a#", "plug 7"}) {
    EXPECT_EQ(hfw_topic(buf, sizeof buf, bad, HFW_TOPIC_READING), HFW_ERR_INVALID) << bad;
    EXPECT_STREQ(buf, "");
  }
  EXPECT_EQ(hfw_topic(buf, sizeof buf, (longest + "z").c_str(), HFW_TOPIC_READING), HFW_ERR_INVALID);
  EXPECT_EQ(hfw_topic(buf, 10, "plug-7", HFW_TOPIC_READING), HFW_ERR_OVERFLOW);
}

TEST(HearthFwStatus, OnlineCarriesTheBootIdAndTheWillNeedNot) {
  EXPECT_EQ(run(status(1, "5d1c0e7a")).text, R"({"state":"online","boot":"5d1c0e7a"})");
  EXPECT_EQ(run(status(0, nullptr)).text, R"({"state":"offline"})");
  EXPECT_EQ(run(status(0, "5d1c0e7a")).text, R"({"state":"offline","boot":"5d1c0e7a"})");
  EXPECT_EQ(run(status(1, nullptr)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(status(1, "5D1C0E7A")).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(status(1, "5d1c0e7")).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(status(1, "5d1c0e7a0")).status, HFW_ERR_INVALID);
  expect_bounded(status(1, "5d1c0e7a"));
}

TEST(HearthFwIds, HexIdsFromRandomNumbers) {
  char id[HFW_HEX_ID_LEN + 1];
  hfw_hex_id(0x5d1c0e7au, id);
  EXPECT_STREQ(id, "5d1c0e7a");
  hfw_hex_id(0u, id);
  EXPECT_STREQ(id, "00000000");
  EXPECT_TRUE(hfw_valid_hex_id(id));
  EXPECT_TRUE(hfw_valid_claim_code("7K3QM9TZ"));
  for (const char* bad : {"7k3qm9tz", "7K3QM9TO", "7K3QM9TI", "7K3QM9TU", "7K3QM9T", "7K3QM9TZ1", "7K3Q-9TZ"}) {
    EXPECT_FALSE(hfw_valid_claim_code(bad)) << bad;
  }
  EXPECT_TRUE(hfw_valid_text("Hearth Plug 1.0-rc_2+b"));
  EXPECT_FALSE(hfw_valid_text("Plug \"Pro\""));
  EXPECT_FALSE(hfw_valid_text("Plug\\"));
  EXPECT_FALSE(hfw_valid_text(std::string(HFW_MAX_TEXT + 1, 'a').c_str()));
}

// One numeric sample of metric m with value v, as the encoder writes it (or the status).
Encoded number(hfw_metric m, double v) {
  return run([=](char* b, std::size_t c, std::size_t* n) {
    hfw_reading r;
    hfw_reading_begin(&r, b, c, "5d1c0e7a", 1u, 0u);
    hfw_reading_number(&r, 0, m, v);
    return hfw_reading_end(&r, n);
  });
}

std::string value_text(hfw_metric m, double v) {
  const Encoded e = number(m, v);
  const auto at = e.text.find("\"value\":");
  return e.status == HFW_OK && at != std::string::npos ? e.text.substr(at + 8, e.text.find('}', at) - at - 8) : "";
}

TEST(HearthFwNumbers, FixedPointWithoutPrintf) {
  EXPECT_EQ(value_text(HFW_POWER_W, 41.5), "41.5");
  EXPECT_EQ(value_text(HFW_POWER_W, 0), "0");
  EXPECT_EQ(value_text(HFW_POWER_W, 1999.999), "2000");  // 2 decimals for power, rounded
  EXPECT_EQ(value_text(HFW_POWER_W, 0.005), "0.01");
  EXPECT_EQ(value_text(HFW_POWER_W, 12.30), "12.3");  // trailing zeros dropped
  EXPECT_EQ(value_text(HFW_POWER_W, 1e6), "1000000");
  EXPECT_EQ(value_text(HFW_CURRENT_A, 0.182), "0.182");
  EXPECT_EQ(value_text(HFW_CURRENT_A, 0.0005), "0.001");
  EXPECT_EQ(value_text(HFW_TEMPERATURE_C, -2.5), "-2.5");
  EXPECT_EQ(value_text(HFW_TEMPERATURE_C, -0.001), "0");  // no "-0"
  EXPECT_EQ(value_text(HFW_TEMPERATURE_C, -273.15), "-273.15");
  EXPECT_EQ(value_text(HFW_RSSI_DBM, -71.6), "-72");
  EXPECT_EQ(value_text(HFW_HUMIDITY_PCT, 48.25), "48.3");
}

TEST(HearthFwNumbers, NonFiniteAndImplausibleValuesAreRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double v : {nan, inf, -inf, -0.01, 1e6 + 1})
    EXPECT_EQ(number(HFW_POWER_W, v).status, HFW_ERR_INVALID) << v;
  EXPECT_EQ(number(HFW_HUMIDITY_PCT, 100.01).status, HFW_ERR_INVALID);
  EXPECT_EQ(number(HFW_BATTERY_PCT, -1).status, HFW_ERR_INVALID);
  EXPECT_EQ(number(HFW_TEMPERATURE_C, -273.16).status, HFW_ERR_INVALID);
  EXPECT_EQ(number(HFW_ENERGY_KWH, 1.0).status, HFW_ERR_INVALID);  // energy needs its counter id
  EXPECT_EQ(number(HFW_RELAY_ON, 1.0).status, HFW_ERR_INVALID);    // booleans are flags
  EXPECT_EQ(number(static_cast<hfw_metric>(99), 1.0).status, HFW_ERR_INVALID);
  EXPECT_EQ(number(HFW_POWER_W, 1.0).text.empty(), false);
}

TEST(HearthFwReading, BuilderWritesTheContractMessage) {
  const Encoder plug = [](char* b, std::size_t c, std::size_t* n) {
    hfw_reading r;
    hfw_reading_begin(&r, b, c, "5d1c0e7a", 1042u, 1767225600123u);
    hfw_reading_number(&r, 0, HFW_POWER_W, 41.5);
    hfw_reading_energy(&r, 0, 12.3456, "5d1c0e7a");
    hfw_reading_flag(&r, 0, HFW_RELAY_ON, 1);
    hfw_reading_flag(&r, 3, HFW_CONTACT_OPEN, 0);
    return hfw_reading_end(&r, n);
  };
  EXPECT_EQ(run(plug).text, R"({"boot":"5d1c0e7a","seq":1042,"ts":1767225600123,"readings":[)"
                            R"({"metric":"power_w","unit":"W","value":41.5},)"
                            R"({"metric":"energy_kwh","unit":"kWh","value":12.3456,"counter":"5d1c0e7a"},)"
                            R"({"metric":"relay_on","value":true},{"ch":3,"metric":"contact_open","value":false}]})");
  expect_bounded(plug);
}

TEST(HearthFwReading, BuilderRefusesWhatTheContractForbids) {
  const auto build = [](const std::function<void(hfw_reading*)>& add, const char* boot = "5d1c0e7a") {
    return run([&](char* b, std::size_t c, std::size_t* n) {
      hfw_reading r;
      hfw_reading_begin(&r, b, c, boot, 1u, 0u);
      add(&r);
      return hfw_reading_end(&r, n);
    });
  };
  EXPECT_EQ(build([](hfw_reading*) {}).status, HFW_ERR_MISSING);
  EXPECT_EQ(build([](hfw_reading* r) { hfw_reading_number(r, 0, HFW_POWER_W, 1); }, "boot").status, HFW_ERR_INVALID);
  EXPECT_EQ(build([](hfw_reading* r) { hfw_reading_number(r, 16, HFW_POWER_W, 1); }).status, HFW_ERR_INVALID);
  EXPECT_EQ(build([](hfw_reading* r) { hfw_reading_flag(r, 0, HFW_POWER_W, 1); }).status, HFW_ERR_INVALID);
  EXPECT_EQ(build([](hfw_reading* r) { hfw_reading_energy(r, 0, 1.0, "BOOT0001"); }).status, HFW_ERR_INVALID);
  EXPECT_EQ(build([](hfw_reading* r) { hfw_reading_energy(r, 0, -1.0, "00000001"); }).status, HFW_ERR_INVALID);
  const auto twice = build([](hfw_reading* r) {
    hfw_reading_number(r, 1, HFW_POWER_W, 1);
    hfw_reading_number(r, 1, HFW_POWER_W, 2);
  });
  EXPECT_EQ(twice.status, HFW_ERR_INVALID);
  EXPECT_EQ(twice.text, "");
  // 17 samples: over the per-message limit.
  EXPECT_EQ(build([](hfw_reading* r) {
              for (std::uint8_t ch = 0; ch <= 15; ++ch) hfw_reading_flag(r, ch, HFW_MOTION, 0);
              hfw_reading_flag(r, 0, HFW_SMOKE, 0);
            }).status,
            HFW_ERR_TOO_LARGE);
  // 16 energy samples fit the sample limit but not the 1024-byte message limit.
  EXPECT_EQ(build([](hfw_reading* r) {
              for (std::uint8_t ch = 0; ch <= 15; ++ch) hfw_reading_energy(r, ch, 123456.7891, "5d1c0e7a");
            }).status,
            HFW_ERR_TOO_LARGE);
}

Encoder describe(std::vector<hfw_capability> caps, const char* model = "Hearth Plug 1", std::uint32_t interval_s = 60) {
  return [=](char* b, std::size_t c, std::size_t* n) {
    hfw_description d{model, "1.4.2", "5d1c0e7a", interval_s, 0, caps.data(), caps.size()};
    return hfw_encode_describe(b, c, &d, n);
  };
}

TEST(HearthFwDescribe, CapabilitiesWithUnitsAndSafetyFlags) {
  const std::vector<hfw_capability> caps = {
      {0, HFW_RELAY_ON, 1, 1}, {0, HFW_POWER_W, 0, 0}, {0, HFW_ENERGY_KWH, 0, 0}, {2, HFW_MOTION, 0, 0}};
  EXPECT_EQ(
      run(describe(caps)).text,
      R"({"minor":0,"model":"Hearth Plug 1","firmware":"1.4.2","boot":"5d1c0e7a","interval_s":60,"power":"mains",)"
      R"("caps":[{"ch":0,"metric":"relay_on","switchable":true,"essential":true},)"
      R"({"ch":0,"metric":"power_w","unit":"W"},{"ch":0,"metric":"energy_kwh","unit":"kWh"},)"
      R"({"ch":2,"metric":"motion"}]})");
  expect_bounded(describe(caps));
}

TEST(HearthFwDescribe, RefusesAnInconsistentDescription) {
  const hfw_capability power{0, HFW_POWER_W, 0, 0};
  EXPECT_EQ(run(describe({{0, HFW_POWER_W, 0, 1}})).status, HFW_ERR_INVALID);  // essential on a meter
  EXPECT_EQ(run(describe({{0, HFW_MOTION, 1, 0}})).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({power, power})).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({})).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({{16, HFW_POWER_W, 0, 0}})).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe(std::vector<hfw_capability>(HFW_MAX_CAPS + 1, power))).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({power}, "Plug \"Pro\"")).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({power}, "Hearth Plug 1", 0)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(describe({power}, "Hearth Plug 1", HFW_MAX_INTERVAL_S + 1)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run([](char* b, std::size_t c, std::size_t* n) { return hfw_encode_describe(b, c, nullptr, n); }).status,
            HFW_ERR_INVALID);
}

hfw_status decode(const std::string& payload, hfw_command* cmd) {
  return hfw_decode_command(payload.data(), payload.size(), cmd);
}

TEST(HearthFwCommand, DecodesExactlyTheV1Command) {
  hfw_command cmd;
  ASSERT_EQ(decode(R"({"id":"h17","relay":0,"on":true})", &cmd), HFW_OK);
  EXPECT_STREQ(cmd.id, "h17");
  EXPECT_EQ(cmd.relay, 0);
  EXPECT_EQ(cmd.on, 1);
  ASSERT_EQ(decode(" \r\n{ \"on\" : false ,\t\"relay\":15, \"id\":\"conf-2_b\" }\n", &cmd), HFW_OK);
  EXPECT_STREQ(cmd.id, "conf-2_b");
  EXPECT_EQ(cmd.relay, 15);
  EXPECT_EQ(cmd.on, 0);
  ASSERT_EQ(decode(R"({"id":")" + std::string(HFW_MAX_COMMAND_ID, 'a') + R"(","relay":1,"on":true})", &cmd), HFW_OK);
}

TEST(HearthFwCommand, RefusesEverythingElse) {
  struct Case {
    std::string payload;
    hfw_status expected;
  };
  const std::vector<Case> cases = {
      {"", HFW_ERR_SYNTAX},
      {"{}", HFW_ERR_MISSING},
      {"[]", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0})", HFW_ERR_MISSING},
      {R"({"id":"h1","on":true})", HFW_ERR_MISSING},
      {R"({"id":"h1","relay":0,"on":true,"for_s":30})", HFW_ERR_UNEXPECTED},
      {R"({"id":"h1","relay":0,"on":true,"on":false})", HFW_ERR_UNEXPECTED},
      {R"({"identifier":"h1","relay":0,"on":true})", HFW_ERR_UNEXPECTED},
      {R"({"id":"h\u0031","relay":0,"on":true})", HFW_ERR_SYNTAX},  // escapes never occur in the contract
      {R"({"id":"a/b","relay":0,"on":true})", HFW_ERR_INVALID},
      {R"({"id":"","relay":0,"on":true})", HFW_ERR_INVALID},
      {R"({"id":")" + std::string(HFW_MAX_COMMAND_ID + 1, 'a') + R"(","relay":0,"on":true})", HFW_ERR_INVALID},
      {R"({"id":"h1","relay":16,"on":true})", HFW_ERR_INVALID},
      {R"({"id":"h1","relay":1000,"on":true})", HFW_ERR_INVALID},
      {R"({"id":"h1","relay":01,"on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":1.0,"on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":1e0,"on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":-1,"on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":"0","on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":"off"})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":1})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":truex})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":true,})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":true}x)", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":true}{})", HFW_ERR_SYNTAX},
      {R"({"id":"h1" "relay":0,"on":true})", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":true)", HFW_ERR_SYNTAX},
      {std::string("{\"id\":\"h1\",\"relay\":0,\"on\":true}\0", 32), HFW_ERR_SYNTAX},
      {std::string("{\"id\":\"h\0\",\"relay\":0,\"on\":true}", 31), HFW_ERR_SYNTAX},
      {"{\"id\":\"h\xc3\xa9\",\"relay\":0,\"on\":true}", HFW_ERR_SYNTAX},
      {R"({"id":"h1","relay":0,"on":true})" + std::string(HFW_MAX_PAYLOAD, ' '), HFW_ERR_TOO_LARGE},
  };
  for (const auto& c : cases) {
    hfw_command cmd;
    EXPECT_EQ(decode(c.payload, &cmd), c.expected) << c.payload;
  }
}

TEST(HearthFwCommand, NoPrefixOfACommandIsACommand) {
  const std::string full = R"( {"id":"h17", "relay":3, "on":false} )";
  hfw_command cmd;
  for (std::size_t n = 0; n < full.size() - 1; ++n) {
    EXPECT_NE(hfw_decode_command(full.data(), n, &cmd), HFW_OK) << full.substr(0, n);
  }
  EXPECT_EQ(hfw_decode_command(full.data(), full.size(), &cmd), HFW_OK);
}

struct Handled {
  hfw_status status;
  hfw_ack ack;
  std::string ack_text;
};

Handled handle(const std::string& payload, hfw_relay* relays, std::size_t count, int retained = 0) {
  Handled h{};
  h.status = hfw_handle_command(payload.data(), payload.size(), retained, relays, count, &h.ack);
  if (h.status == HFW_OK) {
    h.ack_text = run([&](char* b, std::size_t c, std::size_t* n) { return hfw_encode_ack(b, c, &h.ack, n); }).text;
  }
  return h;
}

TEST(HearthFwSafety, SwitchableRelaysFollowCommands) {
  hfw_relay relays[1] = {{1, 0, 0}};
  auto h = handle(R"({"id":"h1","relay":0,"on":true})", relays, 1);
  ASSERT_EQ(h.status, HFW_OK);
  EXPECT_EQ(relays[0].on, 1);
  EXPECT_EQ(h.ack_text, R"({"id":"h1","relay":0,"ok":true,"on":true})");
  h = handle(R"({"id":"h2","relay":0,"on":false})", relays, 1);
  EXPECT_EQ(relays[0].on, 0);
  EXPECT_EQ(h.ack_text, R"({"id":"h2","relay":0,"ok":true,"on":false})");
  h = handle(R"({"id":"h3","relay":0,"on":false})", relays, 1);  // idempotent: a redelivery is harmless
  EXPECT_EQ(relays[0].on, 0);
  EXPECT_EQ(h.ack_text, R"({"id":"h3","relay":0,"ok":true,"on":false})");
}

TEST(HearthFwSafety, AnEssentialRelayRefusesOff) {
  hfw_relay relays[2] = {{1, 0, 1}, {1, 1, 1}};
  auto h = handle(R"({"id":"h9","relay":1,"on":false})", relays, 2);
  ASSERT_EQ(h.status, HFW_OK);
  EXPECT_EQ(relays[1].on, 1);  // still on
  EXPECT_EQ(h.ack.ok, 0);
  EXPECT_EQ(h.ack.reason, HFW_REFUSE_ESSENTIAL);
  EXPECT_EQ(h.ack_text, R"({"id":"h9","relay":1,"ok":false,"on":true,"reason":"essential"})");
  // Switched off locally (a button), an essential relay may be switched back on remotely.
  relays[1].on = 0;
  h = handle(R"({"id":"h10","relay":1,"on":true})", relays, 2);
  EXPECT_EQ(relays[1].on, 1);
  EXPECT_EQ(h.ack_text, R"({"id":"h10","relay":1,"ok":true,"on":true})");
  // Not switchable at all, but the off is still answered with the safety reason.
  hfw_relay fixed[1] = {{0, 1, 1}};
  EXPECT_EQ(handle(R"({"id":"h11","relay":0,"on":false})", fixed, 1).ack_text,
            R"({"id":"h11","relay":0,"ok":false,"on":true,"reason":"essential"})");
}

TEST(HearthFwSafety, OtherRefusalsAndIgnoredCommands) {
  hfw_relay relays[2] = {{0, 0, 1}, {1, 0, 0}};
  EXPECT_EQ(handle(R"({"id":"h1","relay":0,"on":false})", relays, 2).ack_text,
            R"({"id":"h1","relay":0,"ok":false,"on":true,"reason":"not_switchable"})");
  EXPECT_EQ(relays[0].on, 1);
  EXPECT_EQ(handle(R"({"id":"h2","relay":2,"on":true})", relays, 2).ack_text,
            R"({"id":"h2","relay":2,"ok":false,"reason":"no_such_relay"})");
  EXPECT_EQ(handle(R"({"id":"h2","relay":0,"on":true})", nullptr, 0).ack_text,
            R"({"id":"h2","relay":0,"ok":false,"reason":"no_such_relay"})");
  // Retained: delivered from the broker's store on (re)connect, of unknown age. Never acted upon.
  EXPECT_EQ(handle(R"({"id":"h3","relay":1,"on":true})", relays, 2, 1).status, HFW_ERR_RETAINED);
  EXPECT_EQ(relays[1].on, 0);
  EXPECT_EQ(handle(R"({"id":"h4","relay":1,"on":"yes"})", relays, 2).status, HFW_ERR_SYNTAX);
  EXPECT_EQ(relays[1].on, 0);
}

Encoder ack(const char* id, int relay, int ok, int has_on, int on, hfw_refusal reason) {
  return [=](char* b, std::size_t c, std::size_t* n) {
    hfw_ack a{};
    std::snprintf(a.id, sizeof a.id, "%s", id);
    a.relay = static_cast<std::uint8_t>(relay);
    a.ok = static_cast<std::uint8_t>(ok);
    a.has_on = static_cast<std::uint8_t>(has_on);
    a.on = static_cast<std::uint8_t>(on);
    a.reason = reason;
    return hfw_encode_ack(b, c, &a, n);
  };
}

TEST(HearthFwAck, RefusesInconsistentAcks) {
  EXPECT_EQ(run(ack("h1", 0, 0, 1, 0, HFW_REFUSE_FAILED)).text,
            R"({"id":"h1","relay":0,"ok":false,"on":false,"reason":"failed"})");
  EXPECT_EQ(run(ack("h1", 0, 1, 1, 1, HFW_REFUSE_ESSENTIAL)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 0, 0, 1, 1, HFW_REFUSE_NONE)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 0, 1, 0, 1, HFW_REFUSE_NONE)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 0, 0, 1, 1, HFW_REFUSE_NO_SUCH_RELAY)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 0, 0, 0, 0, HFW_REFUSE_ESSENTIAL)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("a/b", 0, 1, 1, 1, HFW_REFUSE_NONE)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 16, 1, 1, 1, HFW_REFUSE_NONE)).status, HFW_ERR_INVALID);
  EXPECT_EQ(run(ack("h1", 0, 0, 1, 1, static_cast<hfw_refusal>(42))).status, HFW_ERR_INVALID);
  expect_bounded(ack("h1", 3, 0, 1, 1, HFW_REFUSE_ESSENTIAL));
}

TEST(HearthFwClaim, CarriesCodeAndPublicKey) {
  std::uint8_t key[HFW_PUBLIC_KEY_LEN];
  for (std::size_t i = 0; i < sizeof key; ++i) key[i] = static_cast<std::uint8_t>(i * 8 + 1);
  const auto claim = [&](const char* code) {
    return [=, &key](char* b, std::size_t c, std::size_t* n) {
      return hfw_encode_claim(b, c, "Hearth Plug 1", "1.4.2", code, key, n);
    };
  };
  EXPECT_EQ(run(claim("7K3QM9TZ")).text,
            R"({"minor":0,"model":"Hearth Plug 1","firmware":"1.4.2","code":"7K3QM9TZ",)"
            R"("key":"0109111921293139414951596169717981899199a1a9b1b9c1c9d1d9e1e9f1f9"})");
  EXPECT_EQ(run(claim("7k3qm9tz")).status, HFW_ERR_INVALID);
  EXPECT_EQ(run([](char* b, std::size_t c, std::size_t* n) {
              return hfw_encode_claim(b, c, "X", "1", "7K3QM9TZ", nullptr, n);
            }).status,
            HFW_ERR_INVALID);
  expect_bounded(claim("7K3QM9TZ"));
}

}  // namespace
