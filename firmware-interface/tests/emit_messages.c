/* Prints what every hearth_fw.h encoder produces, one "<kind> <json>" line per message, for
 * tests/validate_schemas.py to check against the JSON Schemas. Exits 1 if any encoder fails. */
#include <stdio.h>

#include "hearth_fw.h"

static int failures = 0;

static void emit(const char* kind, hfw_status st, const char* buf) {
  if (st != HFW_OK) {
    fprintf(stderr, "encoder for %s failed: %d\n", kind, (int)st);
    ++failures;
    return;
  }
  printf("%s %s\n", kind, buf);
}

static void emit_readings(char* buf, size_t cap) {
  hfw_reading r;
  size_t len;
  int m;
  hfw_reading_begin(&r, buf, cap, "5d1c0e7a", 4294967295u, 1767225600123u);
  hfw_reading_number(&r, 0, HFW_POWER_W, 0.004);
  hfw_reading_energy(&r, 0, 123456.78905, "c0ffee01");
  hfw_reading_number(&r, 15, HFW_TEMPERATURE_C, -273.15);
  hfw_reading_number(&r, 15, HFW_RSSI_DBM, -71.4);
  hfw_reading_flag(&r, 1, HFW_RELAY_ON, 0);
  emit("reading", hfw_reading_end(&r, &len), buf);
  /* Every metric once, at the top of its range. */
  hfw_reading_begin(&r, buf, cap, "00000000", 0u, 0u);
  for (m = 0; m < HFW_METRIC_COUNT; ++m) {
    const hfw_metric metric = (hfw_metric)m;
    const hfw_metric_info* info = hfw_metric_info_of(metric);
    if (metric == HFW_ENERGY_KWH) {
      hfw_reading_energy(&r, 0, info->max, "00000000");
    } else if (info->unit != NULL) {
      hfw_reading_number(&r, 0, metric, info->max);
    } else {
      hfw_reading_flag(&r, 0, metric, 1);
    }
  }
  emit("reading", hfw_reading_end(&r, &len), buf);
}

static void emit_describe(char* buf, size_t cap) {
  hfw_capability caps[HFW_MAX_CAPS];
  hfw_description d;
  size_t len, i;
  for (i = 0; i < HFW_MAX_CAPS; ++i) {
    caps[i].ch = (uint8_t)(i / HFW_METRIC_COUNT + 14u);
    caps[i].metric = (hfw_metric)(i % HFW_METRIC_COUNT);
    caps[i].switchable = caps[i].metric == HFW_RELAY_ON;
    caps[i].essential = caps[i].metric == HFW_RELAY_ON && i < HFW_METRIC_COUNT;
  }
  d.model = "Hearth Plug 1";
  d.firmware = "0.9.0-rc.1+b7";
  d.boot_id = "5d1c0e7a";
  d.interval_s = 86400;
  d.battery = 1;
  d.caps = caps;
  d.cap_count = HFW_MAX_CAPS;
  emit("describe", hfw_encode_describe(buf, cap, &d, &len), buf);
  d.battery = 0;
  d.cap_count = 1;
  emit("describe", hfw_encode_describe(buf, cap, &d, &len), buf);
}

static void emit_acks(char* buf, size_t cap) {
  hfw_relay relays[2] = {{1, 0, 0}, {1, 1, 1}};
  const char* commands[4] = {"{\"id\":\"h1\",\"relay\":0,\"on\":true}", "{\"id\":\"h2\",\"relay\":1,\"on\":false}",
                             "{\"id\":\"h3\",\"relay\":7,\"on\":true}", "{\"id\":\"h4\",\"relay\":1,\"on\":true}"};
  hfw_ack ack;
  size_t len, i;
  for (i = 0; i < 4; ++i) {
    if (hfw_handle_command(commands[i], strlen(commands[i]), 0, relays, 2, &ack) != HFW_OK) ++failures;
    emit("ack", hfw_encode_ack(buf, cap, &ack, &len), buf);
  }
  ack.ok = 0;
  ack.has_on = 1;
  ack.on = 0;
  ack.reason = HFW_REFUSE_FAILED;
  emit("ack", hfw_encode_ack(buf, cap, &ack, &len), buf);
  relays[0].switchable = 0;
  if (hfw_handle_command(commands[0], strlen(commands[0]), 0, relays, 2, &ack) != HFW_OK) ++failures;
  emit("ack", hfw_encode_ack(buf, cap, &ack, &len), buf);
}

int main(void) {
  static const uint8_t KEY[HFW_PUBLIC_KEY_LEN] = {0x8f, 0x40, 0xc5, 0xad, 0xff, 0x00, 0x01};
  char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
  size_t len;
  emit("status", hfw_encode_status(buf, sizeof buf, 1, "5d1c0e7a", &len), buf);
  emit("status", hfw_encode_status(buf, sizeof buf, 0, NULL, &len), buf);
  emit("status", hfw_encode_status(buf, sizeof buf, 0, "5d1c0e7a", &len), buf);
  emit_readings(buf, sizeof buf);
  emit_describe(buf, sizeof buf);
  emit_acks(buf, sizeof buf);
  emit("claim", hfw_encode_claim(buf, sizeof buf, "Hearth Plug 1", "1.4.2", "7K3QM9TZ", KEY, &len), buf);
  return failures == 0 ? 0 : 1;
}
