/*
 * hearth_fw.h: the Hearth firmware contract v1 (MQTT topics hearth/v1/<device_id>/...) for device
 * firmware. Portable C99, header-only (every function is static inline), no heap, no stdio: every
 * encoder writes into a buffer the caller owns and returns an error code instead of truncating.
 * The specification is docs/firmware-contract.md; the JSON Schemas are firmware-interface/schemas/.
 *
 *   encoders: hfw_topic, hfw_encode_status, hfw_encode_describe, hfw_reading_* (builder),
 *             hfw_encode_ack, hfw_encode_claim
 *   decoders: hfw_decode_command (a bounded scanner that accepts exactly the v1 command object),
 *             hfw_decode_provision and hfw_decode_credentials (claiming: the sealed credentials;
 *             opening the box is the firmware's crypto library's job, e.g. crypto_box_seal_open)
 *   safety:   hfw_handle_command (decodes, refuses off for essential relays, builds the ack)
 *
 * Encoded payloads are NUL-terminated; *out_len excludes the NUL. On any error the buffer holds
 * the empty string, so a partial message can never be published by mistake.
 * Numbers are formatted here (fixed point, no printf); do not build firmware with -ffast-math,
 * which removes the NaN/infinity checks the encoders rely on.
 */
#ifndef HEARTH_FW_H
#define HEARTH_FW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Contract version and limits (docs/firmware-contract.md, "Limits"). */
enum {
  HFW_CONTRACT_MAJOR = 1,
  HFW_CONTRACT_MINOR = 0,
  HFW_MAX_PAYLOAD = 1024,          /* bytes, every message except describe */
  HFW_MAX_DESCRIBE_PAYLOAD = 2048, /* bytes */
  HFW_MAX_TOPIC = 64,              /* bytes incl. NUL: "hearth/v1/" + 32-char id + "/describe" fits */
  HFW_MAX_DEVICE_ID = 32,          /* [a-z0-9][a-z0-9_-]* */
  HFW_MAX_COMMAND_ID = 24,         /* [A-Za-z0-9_-]+ */
  HFW_MAX_TEXT = 32,               /* model, firmware: [A-Za-z0-9 ._+-]+ */
  HFW_HEX_ID_LEN = 8,              /* boot and counter ids: 8 lowercase hex digits */
  HFW_CLAIM_CODE_LEN = 8,          /* Crockford base32, upper case, no dash */
  HFW_PUBLIC_KEY_LEN = 32,         /* X25519 public key, sent as 64 lowercase hex digits */
  HFW_SEAL_OVERHEAD = 48,          /* crypto_box_seal: ephemeral public key (32) + MAC (16) */
  HFW_MAX_PASSWORD = 64,           /* broker password from provisioning: [A-Za-z0-9_-]+ */
  HFW_MAX_SEALED = 256,            /* bytes of a sealed box in a provision message */
  HFW_MAX_CHANNEL = 15,
  HFW_MAX_SAMPLES = 16, /* per reading message */
  HFW_MAX_CAPS = 24,    /* per describe message */
  HFW_MAX_INTERVAL_S = 86400
};

typedef enum hfw_status {
  HFW_OK = 0,
  HFW_ERR_OVERFLOW = -1,   /* the output buffer is too small */
  HFW_ERR_INVALID = -2,    /* an argument is outside the contract: charset, length, range, NaN */
  HFW_ERR_SYNTAX = -3,     /* the input is not JSON of the shape the contract allows */
  HFW_ERR_UNEXPECTED = -4, /* an unknown or repeated field */
  HFW_ERR_MISSING = -5,    /* a required field is absent (or a reading message has no samples) */
  HFW_ERR_RETAINED = -6,   /* a retained command: never acted upon (ghost switching) */
  HFW_ERR_TOO_LARGE = -7   /* the message would exceed the contract's size limit */
} hfw_status;

/* The v1 metrics. Names and units are the contract's; the order is this header's only. */
typedef enum hfw_metric {
  HFW_POWER_W,
  HFW_ENERGY_KWH, /* a counter: use hfw_reading_energy(), which carries its counter id */
  HFW_VOLTAGE_V,
  HFW_CURRENT_A,
  HFW_TEMPERATURE_C,
  HFW_HUMIDITY_PCT,
  HFW_ILLUMINANCE_LUX,
  HFW_CO_PPM,
  HFW_BATTERY_PCT,
  HFW_RSSI_DBM,
  HFW_RELAY_ON, /* booleans from here on */
  HFW_MOTION,
  HFW_CONTACT_OPEN,
  HFW_SMOKE,
  HFW_CO_DETECTED,
  HFW_WATER_LEAK,
  HFW_METRIC_COUNT
} hfw_metric;

typedef struct hfw_metric_info {
  const char* name;
  const char* unit; /* NULL for boolean metrics, which carry no unit */
  unsigned decimals;
  double min; /* inclusive plausibility range; the encoders refuse values outside it */
  double max;
} hfw_metric_info;

static inline const hfw_metric_info* hfw_metric_info_of(hfw_metric m) {
  static const hfw_metric_info TABLE[HFW_METRIC_COUNT] = {
      {"power_w", "W", 2, 0.0, 1e6},
      {"energy_kwh", "kWh", 4, 0.0, 1e9},
      {"voltage_v", "V", 2, 0.0, 1e5},
      {"current_a", "A", 3, 0.0, 1e4},
      {"temperature_c", "Cel", 2, -273.15, 1e4},
      {"humidity_pct", "%RH", 1, 0.0, 100.0},
      {"illuminance_lux", "lx", 1, 0.0, 1e6},
      {"co_ppm", "ppm", 0, 0.0, 1e6},
      {"battery_pct", "%EL", 0, 0.0, 100.0},
      {"rssi_dbm", "dBm", 0, -200.0, 50.0},
      {"relay_on", NULL, 0, 0.0, 1.0},
      {"motion", NULL, 0, 0.0, 1.0},
      {"contact_open", NULL, 0, 0.0, 1.0},
      {"smoke", NULL, 0, 0.0, 1.0},
      {"co_detected", NULL, 0, 0.0, 1.0},
      {"water_leak", NULL, 0, 0.0, 1.0},
  };
  return (int)m >= 0 && m < HFW_METRIC_COUNT ? &TABLE[m] : NULL;
}

typedef enum hfw_topic_kind {
  HFW_TOPIC_READING,
  HFW_TOPIC_STATUS,
  HFW_TOPIC_DESCRIBE,
  HFW_TOPIC_CMD,
  HFW_TOPIC_ACK,
  HFW_TOPIC_CLAIM,
  HFW_TOPIC_PROVISION /* gateway -> device: the sealed broker credentials (subscribe in claim mode) */
} hfw_topic_kind;

/* ---- validation helpers (public: firmware checks its configuration with them) ---- */

static inline int hfwi_is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int hfwi_is_lower_hex(char c) { return hfwi_is_digit(c) || (c >= 'a' && c <= 'f'); }
static inline int hfwi_is_alnum(char c) { return hfwi_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Length of s if it is at most max characters, else max + 1 (never reads past max + 1). */
static inline size_t hfwi_bounded_len(const char* s, size_t max) {
  size_t n = 0;
  while (n <= max && s[n] != '\0') ++n;
  return n;
}

static inline int hfw_valid_device_id(const char* id) {
  size_t n, i;
  if (id == NULL) return 0;
  n = hfwi_bounded_len(id, HFW_MAX_DEVICE_ID);
  if (n == 0 || n > HFW_MAX_DEVICE_ID) return 0;
  if (!(hfwi_is_digit(id[0]) || (id[0] >= 'a' && id[0] <= 'z'))) return 0;
  for (i = 1; i < n; ++i) {
    const char c = id[i];
    if (!(hfwi_is_digit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-')) return 0;
  }
  return 1;
}

static inline int hfw_valid_command_id(const char* id) {
  size_t n, i;
  if (id == NULL) return 0;
  n = hfwi_bounded_len(id, HFW_MAX_COMMAND_ID);
  if (n == 0 || n > HFW_MAX_COMMAND_ID) return 0;
  for (i = 0; i < n; ++i) {
    if (!(hfwi_is_alnum(id[i]) || id[i] == '_' || id[i] == '-')) return 0;
  }
  return 1;
}

/* Model and firmware strings: 1-32 of [A-Za-z0-9 ._+-], so they never need JSON escaping. */
static inline int hfw_valid_text(const char* s) {
  size_t n, i;
  if (s == NULL) return 0;
  n = hfwi_bounded_len(s, HFW_MAX_TEXT);
  if (n == 0 || n > HFW_MAX_TEXT) return 0;
  for (i = 0; i < n; ++i) {
    const char c = s[i];
    if (!(hfwi_is_alnum(c) || c == ' ' || c == '.' || c == '_' || c == '+' || c == '-')) return 0;
  }
  return 1;
}

/* Boot and counter ids: exactly 8 lowercase hex digits. */
static inline int hfw_valid_hex_id(const char* s) {
  size_t i;
  if (s == NULL) return 0;
  for (i = 0; i < HFW_HEX_ID_LEN; ++i) {
    if (!hfwi_is_lower_hex(s[i])) return 0;
  }
  return s[HFW_HEX_ID_LEN] == '\0';
}

/* Claim codes: 8 Crockford base32 symbols (0-9, A-Z without I, L, O, U), upper case. */
static inline int hfw_valid_claim_code(const char* s) {
  size_t i;
  if (s == NULL) return 0;
  for (i = 0; i < HFW_CLAIM_CODE_LEN; ++i) {
    const char c = s[i];
    const int letter = c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U';
    if (!(hfwi_is_digit(c) || letter)) return 0;
  }
  return s[HFW_CLAIM_CODE_LEN] == '\0';
}

/* An id for this boot (or a new energy counter) from a 32-bit random number (esp_random(), ...). */
static inline void hfw_hex_id(uint32_t random, char out[HFW_HEX_ID_LEN + 1]) {
  static const char HEX[] = "0123456789abcdef";
  int i;
  for (i = HFW_HEX_ID_LEN - 1; i >= 0; --i) {
    out[i] = HEX[random & 0xfu];
    random >>= 4;
  }
  out[HFW_HEX_ID_LEN] = '\0';
}

/* ---- bounded writer ---- */

typedef struct hfw_writer {
  char* buf;
  size_t cap; /* bytes, including room for the terminating NUL */
  size_t len;
  hfw_status status; /* sticky: the first error wins */
} hfw_writer;

static inline void hfw_writer_init(hfw_writer* w, char* buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->status = (buf != NULL && cap > 0) ? HFW_OK : HFW_ERR_OVERFLOW;
  if (w->status == HFW_OK) buf[0] = '\0';
}

static inline void hfw_writer_fail(hfw_writer* w, hfw_status s) {
  if (w->status == HFW_OK) w->status = s;
}

static inline void hfw_writer_char(hfw_writer* w, char c) {
  if (w->status != HFW_OK) return;
  if (w->len + 1 >= w->cap) {
    w->status = HFW_ERR_OVERFLOW;
    return;
  }
  w->buf[w->len++] = c;
}

/* Appends s verbatim: only for literals and strings already validated against the contract. */
static inline void hfw_writer_raw(hfw_writer* w, const char* s) {
  while (*s != '\0' && w->status == HFW_OK) hfw_writer_char(w, *s++);
}

static inline void hfw_writer_uint(hfw_writer* w, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  while (n > 0) hfw_writer_char(w, digits[--n]);
}

/* A finite value in fixed point with at most `decimals` (<= 6) digits, trailing zeros dropped. */
static inline void hfw_writer_fixed(hfw_writer* w, double v, unsigned decimals) {
  static const uint64_t POW10[7] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u};
  uint64_t scaled, whole, frac;
  int negative;
  if (v != v || v - v != 0.0 || decimals > 6u || v > 1e12 || v < -1e12) {
    hfw_writer_fail(w, HFW_ERR_INVALID);
    return;
  }
  negative = v < 0.0;
  if (negative) v = -v;
  scaled = (uint64_t)(v * (double)POW10[decimals] + 0.5);
  whole = scaled / POW10[decimals];
  frac = scaled % POW10[decimals];
  if (negative && scaled != 0u) hfw_writer_char(w, '-');
  hfw_writer_uint(w, whole);
  if (frac != 0u) {
    char digits[6];
    unsigned n = decimals;
    unsigned i;
    for (i = decimals; i > 0u; --i) {
      digits[i - 1u] = (char)('0' + (int)(frac % 10u));
      frac /= 10u;
    }
    while (n > 0u && digits[n - 1u] == '0') --n;
    hfw_writer_char(w, '.');
    for (i = 0; i < n; ++i) hfw_writer_char(w, digits[i]);
  }
}

/* "key":"value" (with a leading comma unless first) for a value already validated. */
static inline void hfwi_field_str(hfw_writer* w, int first, const char* key, const char* value) {
  if (!first) hfw_writer_char(w, ',');
  hfw_writer_char(w, '"');
  hfw_writer_raw(w, key);
  hfw_writer_raw(w, "\":\"");
  hfw_writer_raw(w, value);
  hfw_writer_char(w, '"');
}

static inline void hfwi_field_uint(hfw_writer* w, int first, const char* key, uint64_t value) {
  if (!first) hfw_writer_char(w, ',');
  hfw_writer_char(w, '"');
  hfw_writer_raw(w, key);
  hfw_writer_raw(w, "\":");
  hfw_writer_uint(w, value);
}

static inline void hfwi_field_bool(hfw_writer* w, int first, const char* key, int value) {
  if (!first) hfw_writer_char(w, ',');
  hfw_writer_char(w, '"');
  hfw_writer_raw(w, key);
  hfw_writer_raw(w, value ? "\":true" : "\":false");
}

/* Terminates the buffer; on error leaves it empty. Enforces the contract's size limit. */
static inline hfw_status hfw_writer_finish(hfw_writer* w, size_t limit, size_t* out_len) {
  if (w->status == HFW_OK && w->len > limit) w->status = HFW_ERR_TOO_LARGE;
  if (w->status == HFW_OK) {
    w->buf[w->len] = '\0';
  } else {
    if (w->buf != NULL && w->cap > 0) w->buf[0] = '\0';
    w->len = 0;
  }
  if (out_len != NULL) *out_len = w->len;
  return w->status;
}

/* ---- topics ---- */

static inline hfw_status hfw_topic(char* buf, size_t cap, const char* device_id, hfw_topic_kind kind) {
  static const char* const LEAF[] = {"/reading", "/status", "/describe", "/cmd", "/ack", "/claim", "/provision"};
  hfw_writer w;
  hfw_writer_init(&w, buf, cap);
  if (!hfw_valid_device_id(device_id) || (int)kind < 0 || kind > HFW_TOPIC_PROVISION) {
    hfw_writer_fail(&w, HFW_ERR_INVALID);
  } else {
    hfw_writer_raw(&w, "hearth/v1/");
    hfw_writer_raw(&w, device_id);
    hfw_writer_raw(&w, LEAF[kind]);
  }
  return hfw_writer_finish(&w, HFW_MAX_TOPIC - 1, NULL);
}

/* ---- status: retained; {"state":"online","boot":"..."} on connect, {"state":"offline"} as will ---- */

/* boot_id may be NULL (required for online, optional for offline). */
static inline hfw_status hfw_encode_status(char* buf, size_t cap, int online, const char* boot_id, size_t* out_len) {
  hfw_writer w;
  hfw_writer_init(&w, buf, cap);
  if ((online && boot_id == NULL) || (boot_id != NULL && !hfw_valid_hex_id(boot_id))) {
    hfw_writer_fail(&w, HFW_ERR_INVALID);
  }
  hfw_writer_char(&w, '{');
  hfwi_field_str(&w, 1, "state", online ? "online" : "offline");
  if (boot_id != NULL) hfwi_field_str(&w, 0, "boot", boot_id);
  hfw_writer_char(&w, '}');
  return hfw_writer_finish(&w, HFW_MAX_PAYLOAD, out_len);
}

/* ---- describe: retained, published on every connect before status online ---- */

typedef struct hfw_capability {
  uint8_t ch; /* 0..HFW_MAX_CHANNEL */
  hfw_metric metric;
  uint8_t switchable; /* relay_on only: accepts remote commands */
  uint8_t essential;  /* relay_on only: must never be switched off remotely */
} hfw_capability;

typedef struct hfw_description {
  const char* model;
  const char* firmware;
  const char* boot_id;
  uint32_t interval_s; /* how often a reading message is published, 1..86400 */
  uint8_t battery;     /* sleeps between reports: the gateway uses staleness, not the will */
  const hfw_capability* caps;
  size_t cap_count; /* 1..HFW_MAX_CAPS */
} hfw_description;

static inline int hfwi_caps_ok(const hfw_capability* caps, size_t n) {
  uint16_t seen[HFW_MAX_CHANNEL + 1];
  size_t i;
  memset(seen, 0, sizeof seen);
  if (caps == NULL || n == 0 || n > HFW_MAX_CAPS) return 0;
  for (i = 0; i < n; ++i) {
    const hfw_capability* c = &caps[i];
    uint16_t bit;
    if (c->ch > HFW_MAX_CHANNEL || hfw_metric_info_of(c->metric) == NULL) return 0;
    if (c->metric != HFW_RELAY_ON && (c->switchable || c->essential)) return 0;
    bit = (uint16_t)(1u << (unsigned)c->metric);
    if (seen[c->ch] & bit) return 0;
    seen[c->ch] = (uint16_t)(seen[c->ch] | bit);
  }
  return 1;
}

static inline hfw_status hfw_encode_describe(char* buf, size_t cap, const hfw_description* d, size_t* out_len) {
  hfw_writer w;
  size_t i;
  hfw_writer_init(&w, buf, cap);
  if (d == NULL || !hfw_valid_text(d->model) || !hfw_valid_text(d->firmware) || !hfw_valid_hex_id(d->boot_id) ||
      d->interval_s == 0 || d->interval_s > HFW_MAX_INTERVAL_S || !hfwi_caps_ok(d->caps, d->cap_count)) {
    hfw_writer_fail(&w, HFW_ERR_INVALID);
    return hfw_writer_finish(&w, HFW_MAX_DESCRIBE_PAYLOAD, out_len);
  }
  hfw_writer_char(&w, '{');
  hfwi_field_uint(&w, 1, "minor", HFW_CONTRACT_MINOR);
  hfwi_field_str(&w, 0, "model", d->model);
  hfwi_field_str(&w, 0, "firmware", d->firmware);
  hfwi_field_str(&w, 0, "boot", d->boot_id);
  hfwi_field_uint(&w, 0, "interval_s", d->interval_s);
  hfwi_field_str(&w, 0, "power", d->battery ? "battery" : "mains");
  hfw_writer_raw(&w, ",\"caps\":[");
  for (i = 0; i < d->cap_count; ++i) {
    const hfw_capability* c = &d->caps[i];
    const hfw_metric_info* info = hfw_metric_info_of(c->metric);
    if (i > 0) hfw_writer_char(&w, ',');
    hfw_writer_char(&w, '{');
    hfwi_field_uint(&w, 1, "ch", c->ch);
    hfwi_field_str(&w, 0, "metric", info->name);
    if (info->unit != NULL) hfwi_field_str(&w, 0, "unit", info->unit);
    if (c->metric == HFW_RELAY_ON) {
      hfwi_field_bool(&w, 0, "switchable", c->switchable);
      hfwi_field_bool(&w, 0, "essential", c->essential);
    }
    hfw_writer_char(&w, '}');
  }
  hfw_writer_raw(&w, "]}");
  return hfw_writer_finish(&w, HFW_MAX_DESCRIBE_PAYLOAD, out_len);
}

/* ---- reading: a builder, so firmware streams its samples without an intermediate array ----
 *   hfw_reading r;
 *   hfw_reading_begin(&r, buf, sizeof buf, boot_id, seq++, 0);
 *   hfw_reading_number(&r, 0, HFW_POWER_W, 41.5);
 *   hfw_reading_energy(&r, 0, 12.3456, counter_id);
 *   hfw_reading_flag(&r, 0, HFW_RELAY_ON, 1);
 *   if (hfw_reading_end(&r, &len) == HFW_OK) publish(topic, buf, len);
 */

typedef struct hfw_reading {
  hfw_writer w;
  unsigned count;
  uint16_t seen[HFW_MAX_CHANNEL + 1]; /* metric bits per channel: a sample may appear once */
} hfw_reading;

/* ts_ms: UTC milliseconds when the device clock is synchronised (NTP), else 0 (omitted). */
static inline void hfw_reading_begin(hfw_reading* r, char* buf, size_t cap, const char* boot_id, uint32_t seq,
                                     uint64_t ts_ms) {
  hfw_writer_init(&r->w, buf, cap);
  r->count = 0;
  memset(r->seen, 0, sizeof r->seen);
  if (!hfw_valid_hex_id(boot_id)) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return;
  }
  hfw_writer_char(&r->w, '{');
  hfwi_field_str(&r->w, 1, "boot", boot_id);
  hfwi_field_uint(&r->w, 0, "seq", seq);
  if (ts_ms != 0u) hfwi_field_uint(&r->w, 0, "ts", ts_ms);
  hfw_writer_raw(&r->w, ",\"readings\":[");
}

/* Opens one sample object: {"ch":N,"metric":"..."; checks channel, limit and repetition. */
static inline const hfw_metric_info* hfwi_sample_open(hfw_reading* r, uint8_t ch, hfw_metric m) {
  const hfw_metric_info* info = hfw_metric_info_of(m);
  uint16_t bit;
  if (info == NULL || ch > HFW_MAX_CHANNEL) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return NULL;
  }
  if (r->count >= HFW_MAX_SAMPLES) {
    hfw_writer_fail(&r->w, HFW_ERR_TOO_LARGE);
    return NULL;
  }
  bit = (uint16_t)(1u << (unsigned)m);
  if (r->seen[ch] & bit) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return NULL;
  }
  r->seen[ch] = (uint16_t)(r->seen[ch] | bit);
  if (r->count > 0) hfw_writer_char(&r->w, ',');
  ++r->count;
  hfw_writer_char(&r->w, '{');
  if (ch != 0) hfwi_field_uint(&r->w, 1, "ch", ch);
  hfwi_field_str(&r->w, ch == 0, "metric", info->name);
  return info;
}

static inline int hfwi_in_range(const hfw_metric_info* info, double v) {
  return v == v && v >= info->min && v <= info->max;
}

/* A numeric sample (not energy_kwh, not a boolean metric), in the metric's unit. */
static inline void hfw_reading_number(hfw_reading* r, uint8_t ch, hfw_metric m, double value) {
  const hfw_metric_info* info = hfw_metric_info_of(m);
  if (info == NULL || info->unit == NULL || m == HFW_ENERGY_KWH || !hfwi_in_range(info, value)) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return;
  }
  if (hfwi_sample_open(r, ch, m) == NULL) return;
  hfwi_field_str(&r->w, 0, "unit", info->unit);
  hfw_writer_raw(&r->w, ",\"value\":");
  hfw_writer_fixed(&r->w, value, info->decimals);
  hfw_writer_char(&r->w, '}');
}

/* An energy counter in kWh. It never decreases while counter_id stays the same; a counter that
 * restarts from zero (boot without a saved counter, user reset) must use a new id. */
static inline void hfw_reading_energy(hfw_reading* r, uint8_t ch, double kwh, const char* counter_id) {
  const hfw_metric_info* info = hfw_metric_info_of(HFW_ENERGY_KWH);
  if (!hfwi_in_range(info, kwh) || !hfw_valid_hex_id(counter_id)) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return;
  }
  if (hfwi_sample_open(r, ch, HFW_ENERGY_KWH) == NULL) return;
  hfwi_field_str(&r->w, 0, "unit", info->unit);
  hfw_writer_raw(&r->w, ",\"value\":");
  hfw_writer_fixed(&r->w, kwh, info->decimals);
  hfwi_field_str(&r->w, 0, "counter", counter_id);
  hfw_writer_char(&r->w, '}');
}

/* A boolean sample (relay_on, motion, contact_open, smoke, co_detected, water_leak). */
static inline void hfw_reading_flag(hfw_reading* r, uint8_t ch, hfw_metric m, int on) {
  const hfw_metric_info* info = hfw_metric_info_of(m);
  if (info == NULL || info->unit != NULL) {
    hfw_writer_fail(&r->w, HFW_ERR_INVALID);
    return;
  }
  if (hfwi_sample_open(r, ch, m) == NULL) return;
  hfwi_field_bool(&r->w, 0, "value", on);
  hfw_writer_char(&r->w, '}');
}

static inline hfw_status hfw_reading_end(hfw_reading* r, size_t* out_len) {
  if (r->count == 0) hfw_writer_fail(&r->w, HFW_ERR_MISSING);
  hfw_writer_raw(&r->w, "]}");
  return hfw_writer_finish(&r->w, HFW_MAX_PAYLOAD, out_len);
}

/* ---- commands and acknowledgements ---- */

typedef struct hfw_command {
  char id[HFW_MAX_COMMAND_ID + 1];
  uint8_t relay; /* the relay's channel */
  uint8_t on;
} hfw_command;

typedef enum hfw_refusal {
  HFW_REFUSE_NONE,
  HFW_REFUSE_ESSENTIAL,      /* off for an essential relay: the safety rule */
  HFW_REFUSE_NOT_SWITCHABLE, /* the relay exists but takes no remote commands */
  HFW_REFUSE_NO_SUCH_RELAY,
  HFW_REFUSE_FAILED /* the firmware tried and the hardware did not switch */
} hfw_refusal;

typedef struct hfw_ack {
  char id[HFW_MAX_COMMAND_ID + 1];
  uint8_t relay;
  uint8_t ok;     /* 1: applied (the relay is now `on`); 0: refused, see reason */
  uint8_t has_on; /* 0 only for no_such_relay */
  uint8_t on;     /* the relay's state after handling the command */
  hfw_refusal reason;
} hfw_ack;

static inline const char* hfw_refusal_name(hfw_refusal r) {
  switch (r) {
    case HFW_REFUSE_ESSENTIAL:
      return "essential";
    case HFW_REFUSE_NOT_SWITCHABLE:
      return "not_switchable";
    case HFW_REFUSE_NO_SUCH_RELAY:
      return "no_such_relay";
    case HFW_REFUSE_FAILED:
      return "failed";
    case HFW_REFUSE_NONE:
      break;
  }
  return NULL;
}

static inline hfw_status hfw_encode_ack(char* buf, size_t cap, const hfw_ack* a, size_t* out_len) {
  hfw_writer w;
  hfw_writer_init(&w, buf, cap);
  if (a == NULL || !hfw_valid_command_id(a->id) || a->relay > HFW_MAX_CHANNEL || (a->ok && a->reason != 0) ||
      (!a->ok && hfw_refusal_name(a->reason) == NULL) || (a->ok && !a->has_on) ||
      (a->has_on != 0) == (a->reason == HFW_REFUSE_NO_SUCH_RELAY)) {
    hfw_writer_fail(&w, HFW_ERR_INVALID);
    return hfw_writer_finish(&w, HFW_MAX_PAYLOAD, out_len);
  }
  hfw_writer_char(&w, '{');
  hfwi_field_str(&w, 1, "id", a->id);
  hfwi_field_uint(&w, 0, "relay", a->relay);
  hfwi_field_bool(&w, 0, "ok", a->ok);
  if (a->has_on) hfwi_field_bool(&w, 0, "on", a->on);
  if (!a->ok) hfwi_field_str(&w, 0, "reason", hfw_refusal_name(a->reason));
  hfw_writer_char(&w, '}');
  return hfw_writer_finish(&w, HFW_MAX_PAYLOAD, out_len);
}

/* The command scanner: whitespace, one object with exactly "id", "relay" and "on", strings without
 * escapes, a plain non-negative integer. Everything else is refused; it never reads past len. */
typedef struct hfwi_scan {
  const char* p;
  const char* end;
} hfwi_scan;

static inline void hfwi_skip_ws(hfwi_scan* s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) ++s->p;
}

static inline int hfwi_take(hfwi_scan* s, char c) {
  hfwi_skip_ws(s);
  if (s->p < s->end && *s->p == c) {
    ++s->p;
    return 1;
  }
  return 0;
}

/* A string of printable ASCII without escapes, at most max characters, copied NUL-terminated. */
static inline hfw_status hfwi_string(hfwi_scan* s, char* out, size_t max) {
  size_t n = 0;
  if (!hfwi_take(s, '"')) return HFW_ERR_SYNTAX;
  while (s->p < s->end && *s->p != '"') {
    const unsigned char c = (unsigned char)*s->p;
    if (c == '\\' || c < 0x20u || c >= 0x7fu) return HFW_ERR_SYNTAX;
    if (n >= max) return HFW_ERR_INVALID;
    out[n++] = (char)c;
    ++s->p;
  }
  if (s->p >= s->end) return HFW_ERR_SYNTAX;
  ++s->p;
  out[n] = '\0';
  return HFW_OK;
}

static inline hfw_status hfwi_small_uint(hfwi_scan* s, unsigned max, uint8_t* out) {
  unsigned v = 0;
  int digits = 0;
  hfwi_skip_ws(s);
  if (s->p < s->end && *s->p == '0' && s->p + 1 < s->end && hfwi_is_digit(s->p[1])) return HFW_ERR_SYNTAX;
  while (s->p < s->end && hfwi_is_digit(*s->p)) {
    v = v * 10u + (unsigned)(*s->p - '0');
    ++s->p;
    if (++digits > 3) return HFW_ERR_INVALID;
  }
  if (digits == 0) return HFW_ERR_SYNTAX;
  if (v > max) return HFW_ERR_INVALID;
  *out = (uint8_t)v;
  return HFW_OK;
}

static inline hfw_status hfwi_bool(hfwi_scan* s, uint8_t* out) {
  hfwi_skip_ws(s);
  if ((size_t)(s->end - s->p) >= 4 && memcmp(s->p, "true", 4) == 0) {
    s->p += 4;
    *out = 1;
    return HFW_OK;
  }
  if ((size_t)(s->end - s->p) >= 5 && memcmp(s->p, "false", 5) == 0) {
    s->p += 5;
    *out = 0;
    return HFW_OK;
  }
  return HFW_ERR_SYNTAX;
}

static inline hfw_status hfw_decode_command(const char* payload, size_t len, hfw_command* out) {
  enum { HAVE_ID = 1, HAVE_RELAY = 2, HAVE_ON = 4 };
  hfwi_scan s;
  unsigned have = 0;
  if (payload == NULL || out == NULL) return HFW_ERR_INVALID;
  if (len > HFW_MAX_PAYLOAD) return HFW_ERR_TOO_LARGE;
  memset(out, 0, sizeof *out);
  s.p = payload;
  s.end = payload + len;
  if (!hfwi_take(&s, '{')) return HFW_ERR_SYNTAX;
  if (hfwi_take(&s, '}')) return HFW_ERR_MISSING;
  for (;;) {
    char key[8];
    hfw_status st;
    unsigned bit;
    st = hfwi_string(&s, key, sizeof key - 1);
    if (st == HFW_ERR_INVALID) return HFW_ERR_UNEXPECTED; /* a key longer than any known one */
    if (st != HFW_OK) return st;
    if (!hfwi_take(&s, ':')) return HFW_ERR_SYNTAX;
    if (strcmp(key, "id") == 0) {
      bit = HAVE_ID;
      if (have & bit) return HFW_ERR_UNEXPECTED;
      st = hfwi_string(&s, out->id, HFW_MAX_COMMAND_ID);
      if (st == HFW_OK && !hfw_valid_command_id(out->id)) st = HFW_ERR_INVALID;
    } else if (strcmp(key, "relay") == 0) {
      bit = HAVE_RELAY;
      if (have & bit) return HFW_ERR_UNEXPECTED;
      st = hfwi_small_uint(&s, HFW_MAX_CHANNEL, &out->relay);
    } else if (strcmp(key, "on") == 0) {
      bit = HAVE_ON;
      if (have & bit) return HFW_ERR_UNEXPECTED;
      st = hfwi_bool(&s, &out->on);
    } else {
      return HFW_ERR_UNEXPECTED;
    }
    if (st != HFW_OK) return st;
    have |= bit;
    if (hfwi_take(&s, '}')) break;
    if (!hfwi_take(&s, ',')) return HFW_ERR_SYNTAX;
  }
  hfwi_skip_ws(&s);
  if (s.p != s.end) return HFW_ERR_SYNTAX;
  if (have != (HAVE_ID | HAVE_RELAY | HAVE_ON)) return HFW_ERR_MISSING;
  return HFW_OK;
}

/* ---- the safety rule ---- */

typedef struct hfw_relay {
  uint8_t switchable;
  uint8_t essential; /* power it up on; never switch it off on a remote command */
  uint8_t on;        /* current state; updated here when a command is applied */
} hfw_relay;

/* Handles one message from hearth/v1/<id>/cmd. relays[i] is the relay on channel i.
 * HFW_OK: *ack is filled and must be published on hearth/v1/<id>/ack; if ack->ok, relays[ack->relay].on
 * is the state to drive the relay to (an essential relay is never switched off: ok=0, "essential").
 * Any other status: the command is ignored and not acknowledged (a retained or malformed command
 * may carry no usable id); firmware counts it. *ack is zeroed first in every case. */
static inline hfw_status hfw_handle_command(const char* payload, size_t len, int retained, hfw_relay* relays,
                                            size_t relay_count, hfw_ack* ack) {
  hfw_command cmd;
  hfw_relay* r;
  hfw_status st;
  if (ack == NULL || (relays == NULL && relay_count > 0)) return HFW_ERR_INVALID;
  memset(ack, 0, sizeof *ack); /* defined on every path, also when no ack is to be sent */
  if (retained) return HFW_ERR_RETAINED;
  st = hfw_decode_command(payload, len, &cmd);
  if (st != HFW_OK) return st;
  memcpy(ack->id, cmd.id, sizeof ack->id);
  ack->relay = cmd.relay;
  if (cmd.relay >= relay_count) {
    ack->reason = HFW_REFUSE_NO_SUCH_RELAY;
    return HFW_OK;
  }
  r = &relays[cmd.relay];
  ack->has_on = 1;
  if (r->essential && !cmd.on) {
    ack->reason = HFW_REFUSE_ESSENTIAL;
  } else if (!r->switchable) {
    ack->reason = HFW_REFUSE_NOT_SWITCHABLE;
  } else {
    r->on = cmd.on;
    ack->ok = 1;
  }
  ack->on = r->on;
  return HFW_OK;
}

/* ---- claim: published (not retained) every 60 s by a device without its own credentials ---- */

static inline hfw_status hfw_encode_claim(char* buf, size_t cap, const char* model, const char* firmware,
                                          const char* claim_code, const uint8_t public_key[HFW_PUBLIC_KEY_LEN],
                                          size_t* out_len) {
  static const char HEX[] = "0123456789abcdef";
  hfw_writer w;
  size_t i;
  hfw_writer_init(&w, buf, cap);
  if (!hfw_valid_text(model) || !hfw_valid_text(firmware) || !hfw_valid_claim_code(claim_code) || public_key == NULL) {
    hfw_writer_fail(&w, HFW_ERR_INVALID);
    return hfw_writer_finish(&w, HFW_MAX_PAYLOAD, out_len);
  }
  hfw_writer_char(&w, '{');
  hfwi_field_uint(&w, 1, "minor", HFW_CONTRACT_MINOR);
  hfwi_field_str(&w, 0, "model", model);
  hfwi_field_str(&w, 0, "firmware", firmware);
  hfwi_field_str(&w, 0, "code", claim_code);
  hfw_writer_raw(&w, ",\"key\":\"");
  for (i = 0; i < HFW_PUBLIC_KEY_LEN; ++i) {
    hfw_writer_char(&w, HEX[public_key[i] >> 4]);
    hfw_writer_char(&w, HEX[public_key[i] & 0xfu]);
  }
  hfw_writer_raw(&w, "\"}");
  return hfw_writer_finish(&w, HFW_MAX_PAYLOAD, out_len);
}

/* ---- provision: hearthd's answer to a claim, {"minor":0,"sealed":"<hex>"} on .../provision ----
 * "sealed" is crypto_box_seal (X25519 + XSalsa20-Poly1305, libsodium's sealed box) of the
 * credentials to the key the device sent in its claim. The library checks the envelope and
 * decodes the hex; the firmware's crypto library opens the box; hfw_decode_credentials then reads
 * {"username":"<device id>","password":"<[A-Za-z0-9_-]{16,64}>"} from the opened plaintext. */

static inline int hfwi_hex_value(char c) {
  if (hfwi_is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static inline hfw_status hfwi_uint_field(hfwi_scan* s, unsigned max) {
  uint8_t ignored;
  return hfwi_small_uint(s, max, &ignored);
}

static inline hfw_status hfw_decode_provision(const char* payload, size_t len, uint8_t* sealed, size_t cap,
                                              size_t* sealed_len) {
  enum { HAVE_MINOR = 1, HAVE_SEALED = 2 };
  hfwi_scan s;
  unsigned have = 0;
  if (payload == NULL || sealed == NULL || sealed_len == NULL) return HFW_ERR_INVALID;
  if (len > HFW_MAX_PAYLOAD) return HFW_ERR_TOO_LARGE;
  *sealed_len = 0;
  s.p = payload;
  s.end = payload + len;
  if (!hfwi_take(&s, '{')) return HFW_ERR_SYNTAX;
  for (;;) {
    char key[8];
    hfw_status st = hfwi_string(&s, key, sizeof key - 1);
    if (st == HFW_ERR_INVALID) return HFW_ERR_UNEXPECTED;
    if (st != HFW_OK) return st;
    if (!hfwi_take(&s, ':')) return HFW_ERR_SYNTAX;
    if (strcmp(key, "minor") == 0) {
      if (have & HAVE_MINOR) return HFW_ERR_UNEXPECTED;
      have |= HAVE_MINOR;
      st = hfwi_uint_field(&s, 255u);
    } else if (strcmp(key, "sealed") == 0) {
      size_t n = 0;
      if (have & HAVE_SEALED) return HFW_ERR_UNEXPECTED;
      have |= HAVE_SEALED;
      if (!hfwi_take(&s, '"')) return HFW_ERR_SYNTAX;
      while (s.p + 1 < s.end && *s.p != '"') {
        const int hi = hfwi_hex_value(s.p[0]), lo = hfwi_hex_value(s.p[1]);
        if (hi < 0 || lo < 0) return HFW_ERR_SYNTAX;
        if (n >= cap || n >= HFW_MAX_SEALED) return HFW_ERR_OVERFLOW;
        sealed[n++] = (uint8_t)((hi << 4) | lo);
        s.p += 2;
      }
      if (s.p >= s.end || *s.p != '"') return HFW_ERR_SYNTAX;
      ++s.p;
      if (n <= HFW_SEAL_OVERHEAD) return HFW_ERR_INVALID;
      *sealed_len = n;
    } else {
      return HFW_ERR_UNEXPECTED; /* forward compatibility comes with a newer minor of this header */
    }
    if (st != HFW_OK) return st;
    if (hfwi_take(&s, '}')) break;
    if (!hfwi_take(&s, ',')) return HFW_ERR_SYNTAX;
  }
  hfwi_skip_ws(&s);
  if (s.p != s.end) return HFW_ERR_SYNTAX;
  if (have != (HAVE_MINOR | HAVE_SEALED)) {
    *sealed_len = 0;
    return HFW_ERR_MISSING;
  }
  return HFW_OK;
}

typedef struct hfw_credentials {
  char username[HFW_MAX_DEVICE_ID + 1];
  char password[HFW_MAX_PASSWORD + 1];
} hfw_credentials;

static inline int hfwi_valid_password(const char* p) {
  size_t n = 0;
  for (; p[n] != '\0'; ++n) {
    if (!hfwi_is_alnum(p[n]) && p[n] != '_' && p[n] != '-') return 0;
  }
  return n >= 16 && n <= HFW_MAX_PASSWORD;
}

/* plaintext: the opened sealed box (not NUL-terminated). On success both fields are set. */
static inline hfw_status hfw_decode_credentials(const uint8_t* plaintext, size_t len, hfw_credentials* out) {
  enum { HAVE_USER = 1, HAVE_PASSWORD = 2 };
  hfwi_scan s;
  unsigned have = 0;
  if (plaintext == NULL || out == NULL) return HFW_ERR_INVALID;
  if (len > HFW_MAX_SEALED) return HFW_ERR_TOO_LARGE;
  memset(out, 0, sizeof *out);
  s.p = (const char*)plaintext;
  s.end = s.p + len;
  if (!hfwi_take(&s, '{')) return HFW_ERR_SYNTAX;
  for (;;) {
    char key[12];
    hfw_status st = hfwi_string(&s, key, sizeof key - 1);
    if (st == HFW_ERR_INVALID) return HFW_ERR_UNEXPECTED;
    if (st != HFW_OK) return st;
    if (!hfwi_take(&s, ':')) return HFW_ERR_SYNTAX;
    if (strcmp(key, "username") == 0 && !(have & HAVE_USER)) {
      have |= HAVE_USER;
      st = hfwi_string(&s, out->username, HFW_MAX_DEVICE_ID);
      if (st == HFW_OK && !hfw_valid_device_id(out->username)) st = HFW_ERR_INVALID;
    } else if (strcmp(key, "password") == 0 && !(have & HAVE_PASSWORD)) {
      have |= HAVE_PASSWORD;
      st = hfwi_string(&s, out->password, HFW_MAX_PASSWORD);
      if (st == HFW_OK && !hfwi_valid_password(out->password)) st = HFW_ERR_INVALID;
    } else {
      st = HFW_ERR_UNEXPECTED;
    }
    if (st != HFW_OK) {
      memset(out, 0, sizeof *out);
      return st;
    }
    if (hfwi_take(&s, '}')) break;
    if (!hfwi_take(&s, ',')) {
      memset(out, 0, sizeof *out);
      return HFW_ERR_SYNTAX;
    }
  }
  hfwi_skip_ws(&s);
  if (s.p != s.end || have != (HAVE_USER | HAVE_PASSWORD)) {
    memset(out, 0, sizeof *out);
    return s.p != s.end ? HFW_ERR_SYNTAX : HFW_ERR_MISSING;
  }
  return HFW_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* HEARTH_FW_H */
