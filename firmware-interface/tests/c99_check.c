/* Compiles hearth_fw.h as strict C99 (CMake object library and the hearth_fw_c99_* ctests) and
 * instantiates every public function, so the compilers check each body under these flags. */
#include "hearth_fw.h"

int hearth_fw_c99_check(void);

int hearth_fw_c99_check(void) {
  static const hfw_capability CAPS[2] = {{0, HFW_RELAY_ON, 1, 1}, {0, HFW_POWER_W, 0, 0}};
  static const uint8_t KEY[HFW_PUBLIC_KEY_LEN] = {0};
  char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
  char boot[HFW_HEX_ID_LEN + 1];
  hfw_description d;
  hfw_reading r;
  hfw_relay relays[1] = {{1, 1, 1}};
  hfw_ack ack;
  hfw_command cmd;
  size_t len = 0;
  int failures = 0;

  hfw_hex_id(0x5d1c0e7au, boot);
  failures += hfw_topic(buf, sizeof buf, "plug-7", HFW_TOPIC_ACK) != HFW_OK;
  failures += hfw_encode_status(buf, sizeof buf, 1, boot, &len) != HFW_OK;
  d.model = "Plug";
  d.firmware = "1.0";
  d.boot_id = boot;
  d.interval_s = 60;
  d.battery = 0;
  d.caps = CAPS;
  d.cap_count = 2;
  failures += hfw_encode_describe(buf, sizeof buf, &d, &len) != HFW_OK;
  hfw_reading_begin(&r, buf, sizeof buf, boot, 1u, 0u);
  hfw_reading_number(&r, 0, HFW_POWER_W, 1.5);
  hfw_reading_energy(&r, 0, 2.25, boot);
  hfw_reading_flag(&r, 0, HFW_RELAY_ON, 1);
  failures += hfw_reading_end(&r, &len) != HFW_OK;
  failures += hfw_decode_command("{\"id\":\"a\",\"relay\":0,\"on\":true}", 31, &cmd) != HFW_OK;
  failures += hfw_handle_command("{\"id\":\"a\",\"relay\":0,\"on\":false}", 32, 0, relays, 1, &ack) != HFW_OK;
  failures += hfw_encode_ack(buf, sizeof buf, &ack, &len) != HFW_OK;
  failures += hfw_encode_claim(buf, sizeof buf, "Plug", "1.0", "7K3QM9TZ", KEY, &len) != HFW_OK;
  failures += hfw_refusal_name(ack.reason) == NULL;
  failures += !hfw_valid_device_id("plug-7") + !hfw_valid_command_id("a") + !hfw_valid_text("x");
  failures += !hfw_valid_hex_id(boot) + !hfw_valid_claim_code("7K3QM9TZ");
  return failures;
}
