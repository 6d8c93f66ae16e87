/*
 * An example native device: what co-op firmware built on hearth_fw.h does, as a POSIX program
 * (Paho C's synchronous client stands in for the MCU's MQTT stack). One single-threaded loop, as
 * on a microcontroller: receive with a short timeout, publish readings every interval.
 *
 *   ch 0  lamp relay (switchable)            power_w, energy_kwh, relay_on
 *   ch 1  fridge relay (switchable, ESSENTIAL) power_w, energy_kwh, relay_on
 *   ch 2  room sensor                         temperature_c, humidity_pct
 *
 * On connect: subscribe hearth/v1/<id>/cmd, publish describe (retained), status online (retained),
 * a first reading. The will is status offline (retained). SIGTERM publishes offline and exits.
 *
 * usage: hearth-fw-example-device --url tcp://127.0.0.1:1883 --id plug-7 [--interval-ms 1000]
 *            [--user NAME --password-file FILE] [--claim CODE [--credentials-file FILE]]
 *            [--break essential|units|retain|no-will|no-ack]
 * --user/--password-file: the broker account to connect with (in claim mode: the shared
 *   provisioning account, which may only write claims and read provision messages).
 * --claim: an unprovisioned device: it makes an X25519 key pair (libsodium), publishes claim
 *   requests every interval and waits on .../provision; when hearthd sends its sealed credentials
 *   it opens them, stores them in --credentials-file (flash, on a real device), reconnects as
 *   itself and behaves as a claimed device. A credentials file that exists at start is used
 *   instead of claiming again.
 * --break: deliberately violate the contract, to show the conformance suite catches it.
 */
#define _POSIX_C_SOURCE 200809L

#include <MQTTClient.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hearth_fw.h"

enum { RELAYS = 2, LAMP = 0, FRIDGE = 1, SENSOR = 2, RECEIVE_TIMEOUT_MS = 100 };

typedef enum breakage { BREAK_NONE, BREAK_ESSENTIAL, BREAK_UNITS, BREAK_RETAIN, BREAK_NO_WILL, BREAK_NO_ACK } breakage;

typedef struct device {
  const char* url;
  const char* id;
  const char* claim_code; /* non-NULL: unprovisioned */
  const char* credentials_file;
  hfw_credentials creds; /* username empty: connect as --user */
  char user[HFW_MAX_DEVICE_ID + 32];
  char password[HFW_MAX_PASSWORD + 1];
  uint8_t public_key[crypto_box_PUBLICKEYBYTES], secret_key[crypto_box_SECRETKEYBYTES];
  long interval_ms;
  breakage broken;
  MQTTClient client;
  char boot[HFW_HEX_ID_LEN + 1];
  uint32_t seq;
  hfw_relay relays[RELAYS];
  double energy_kwh[RELAYS];
  double last_ms; /* monotonic time of the last energy integration */
  char topic_reading[HFW_MAX_TOPIC], topic_status[HFW_MAX_TOPIC], topic_describe[HFW_MAX_TOPIC];
  char topic_cmd[HFW_MAX_TOPIC], topic_ack[HFW_MAX_TOPIC], topic_claim[HFW_MAX_TOPIC];
  char topic_provision[HFW_MAX_TOPIC];
} device;

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int signo) {
  (void)signo;
  stop_requested = 1;
}

static double monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void random_bytes(uint8_t* out, size_t n) {
  FILE* f = fopen("/dev/urandom", "rb");
  if (f == NULL || fread(out, 1, n, f) != n) {
    fprintf(stderr, "device: cannot read /dev/urandom\n");
    exit(2);
  }
  fclose(f);
}

static int publish(device* d, const char* topic, const char* payload, size_t len, int retained) {
  const int rc = MQTTClient_publish(d->client, topic, (int)len, payload, 1, retained, NULL);
  if (rc != MQTTCLIENT_SUCCESS) fprintf(stderr, "device: publish to %s failed (%d)\n", topic, rc);
  return rc;
}

static double relay_power_w(const device* d, int ch) {
  static const double LOAD_W[RELAYS] = {60.0, 85.5};
  return d->relays[ch].on ? LOAD_W[ch] : 0.0;
}

/* Energy is integrated here, as a metering chip would; it never decreases within one boot. */
static void integrate_energy(device* d) {
  const double now = monotonic_ms();
  int ch;
  for (ch = 0; ch < RELAYS; ++ch) d->energy_kwh[ch] += relay_power_w(d, ch) * (now - d->last_ms) / 3.6e9;
  d->last_ms = now;
}

/* Wrong on purpose (--break units): the firmware of an author who thought in Wh. */
static void break_units(char* buf, size_t* len) {
  char* at;
  while ((at = strstr(buf, "\"kWh\"")) != NULL) {
    memmove(at + 1, at + 2, strlen(at + 2) + 1);
    --*len;
  }
}

static void publish_reading(device* d) {
  char buf[HFW_MAX_PAYLOAD + 1];
  hfw_reading r;
  size_t len = 0;
  int ch;
  integrate_energy(d);
  hfw_reading_begin(&r, buf, sizeof buf, d->boot, d->seq++, wall_ms());
  for (ch = 0; ch < RELAYS; ++ch) {
    hfw_reading_flag(&r, (uint8_t)ch, HFW_RELAY_ON, d->relays[ch].on);
    hfw_reading_number(&r, (uint8_t)ch, HFW_POWER_W, relay_power_w(d, ch));
    hfw_reading_energy(&r, (uint8_t)ch, d->energy_kwh[ch], d->boot); /* no saved counter: boot id */
  }
  hfw_reading_number(&r, SENSOR, HFW_TEMPERATURE_C, 19.5 + 0.1 * (double)(d->seq % 5u));
  hfw_reading_number(&r, SENSOR, HFW_HUMIDITY_PCT, 48.0);
  if (hfw_reading_end(&r, &len) != HFW_OK) {
    fprintf(stderr, "device: reading does not fit\n");
    return;
  }
  if (d->broken == BREAK_UNITS) break_units(buf, &len);
  publish(d, d->topic_reading, buf, len, d->broken == BREAK_RETAIN);
}

static void publish_describe_and_status(device* d) {
  static const hfw_capability CAPS[] = {
      {LAMP, HFW_RELAY_ON, 1, 0},        {LAMP, HFW_POWER_W, 0, 0},        {LAMP, HFW_ENERGY_KWH, 0, 0},
      {FRIDGE, HFW_RELAY_ON, 1, 1},      {FRIDGE, HFW_POWER_W, 0, 0},      {FRIDGE, HFW_ENERGY_KWH, 0, 0},
      {SENSOR, HFW_TEMPERATURE_C, 0, 0}, {SENSOR, HFW_HUMIDITY_PCT, 0, 0},
  };
  char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
  hfw_description desc;
  size_t len = 0;
  desc.model = "Hearth Example Plug";
  desc.firmware = "1.0.0";
  desc.boot_id = d->boot;
  desc.interval_s = (uint32_t)(d->interval_ms < 1000 ? 1 : d->interval_ms / 1000);
  desc.battery = 0;
  desc.caps = CAPS;
  desc.cap_count = sizeof CAPS / sizeof CAPS[0];
  if (hfw_encode_describe(buf, sizeof buf, &desc, &len) == HFW_OK) publish(d, d->topic_describe, buf, len, 1);
  if (hfw_encode_status(buf, sizeof buf, 1, d->boot, &len) == HFW_OK) publish(d, d->topic_status, buf, len, 1);
}

static void handle_command(device* d, const MQTTClient_message* m) {
  hfw_relay relays[RELAYS];
  hfw_ack ack;
  hfw_status st;
  char buf[HFW_MAX_PAYLOAD + 1];
  size_t len = 0;
  int was_on[RELAYS], ch;
  if (d->broken == BREAK_NO_ACK) return;
  memcpy(relays, d->relays, sizeof relays);
  if (d->broken == BREAK_ESSENTIAL) relays[FRIDGE].essential = 0; /* firmware that forgot the rule */
  for (ch = 0; ch < RELAYS; ++ch) was_on[ch] = d->relays[ch].on;
  integrate_energy(d); /* energy so far at the old power */
  st = hfw_handle_command((const char*)m->payload, (size_t)m->payloadlen, m->retained, relays, RELAYS, &ack);
  if (st != HFW_OK) {
    fprintf(stderr, "device: command ignored (%d)\n", (int)st);
    return;
  }
  for (ch = 0; ch < RELAYS; ++ch) d->relays[ch].on = relays[ch].on;
  fprintf(stderr, "device: command %s relay %d -> %s%s\n", ack.id, ack.relay,
          ack.ok ? "applied" : "refused: ", ack.ok ? "" : hfw_refusal_name(ack.reason));
  if (hfw_encode_ack(buf, sizeof buf, &ack, &len) == HFW_OK) publish(d, d->topic_ack, buf, len, 0);
  for (ch = 0; ch < RELAYS; ++ch) {
    if (was_on[ch] != d->relays[ch].on) {
      publish_reading(d); /* report the new state and load at once */
      break;
    }
  }
}

static void publish_claim(device* d) {
  char buf[HFW_MAX_PAYLOAD + 1];
  size_t len = 0;
  if (hfw_encode_claim(buf, sizeof buf, "Hearth Example Plug", "1.0.0", d->claim_code, d->public_key, &len) == HFW_OK) {
    publish(d, d->topic_claim, buf, len, 0);
  }
}

/* Credentials persist as two lines, user name and password (flash on a real device). */
static int load_credentials(device* d) {
  char user[HFW_MAX_DEVICE_ID + 2], password[HFW_MAX_PASSWORD + 2];
  FILE* f;
  if (d->credentials_file == NULL || (f = fopen(d->credentials_file, "r")) == NULL) return 0;
  if (fgets(user, sizeof user, f) == NULL || fgets(password, sizeof password, f) == NULL) {
    fclose(f);
    return 0;
  }
  fclose(f);
  user[strcspn(user, "\n")] = '\0';
  password[strcspn(password, "\n")] = '\0';
  if (strcmp(user, d->id) != 0 || strlen(password) < 16) return 0;
  memcpy(d->creds.username, user, strlen(user) + 1);
  memcpy(d->creds.password, password, strlen(password) + 1);
  return 1;
}

static void save_credentials(const device* d) {
  FILE* f;
  if (d->credentials_file == NULL) return;
  f = fopen(d->credentials_file, "w");
  if (f == NULL || fprintf(f, "%s\n%s\n", d->creds.username, d->creds.password) < 0 || fclose(f) != 0) {
    fprintf(stderr, "device: cannot save credentials to %s\n", d->credentials_file);
  }
}

/* hearthd's answer to the claim: open the sealed box with the private key that never left here. */
static void handle_provision(device* d, const MQTTClient_message* m) {
  uint8_t sealed[HFW_MAX_SEALED], plain[HFW_MAX_SEALED];
  size_t sealed_len = 0;
  hfw_credentials creds;
  hfw_status st =
      hfw_decode_provision((const char*)m->payload, (size_t)m->payloadlen, sealed, sizeof sealed, &sealed_len);
  if (st != HFW_OK) {
    fprintf(stderr, "device: provision message ignored (%d)\n", (int)st);
    return;
  }
  if (crypto_box_seal_open(plain, sealed, sealed_len, d->public_key, d->secret_key) != 0) {
    fprintf(stderr, "device: provision message not sealed to this device's key: ignored\n");
    return;
  }
  st = hfw_decode_credentials(plain, sealed_len - crypto_box_SEALBYTES, &creds);
  sodium_memzero(plain, sizeof plain);
  if (st != HFW_OK || strcmp(creds.username, d->id) != 0) {
    fprintf(stderr, "device: provisioned credentials unusable (%d)\n", (int)st);
    return;
  }
  d->creds = creds;
  save_credentials(d);
  d->claim_code = NULL;
  sodium_memzero(d->secret_key, sizeof d->secret_key);
  fprintf(stderr, "device: claimed; reconnecting as %s\n", d->creds.username);
  MQTTClient_disconnect(d->client, 1000);
}

static int connect_device(device* d) {
  MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
  MQTTClient_willOptions will = MQTTClient_willOptions_initializer;
  char offline[64];
  size_t len = 0;
  int rc;
  opts.keepAliveInterval = 10;
  opts.cleansession = 1;
  if (d->creds.username[0] != '\0') {
    opts.username = d->creds.username;
    opts.password = d->creds.password;
  } else if (d->user[0] != '\0') {
    opts.username = d->user;
    opts.password = d->password;
  }
  if (d->claim_code == NULL && d->broken != BREAK_NO_WILL) {
    (void)hfw_encode_status(offline, sizeof offline, 0, NULL, &len);
    will.topicName = d->topic_status;
    will.message = offline;
    will.retained = 1;
    will.qos = 1;
    opts.will = &will;
  }
  rc = MQTTClient_connect(d->client, &opts);
  if (rc != MQTTCLIENT_SUCCESS) return rc;
  if (d->claim_code != NULL) {
    rc = MQTTClient_subscribe(d->client, d->topic_provision, 1);
    if (rc == MQTTCLIENT_SUCCESS) publish_claim(d);
    return rc;
  }
  rc = MQTTClient_subscribe(d->client, d->topic_cmd, 1);
  if (rc != MQTTCLIENT_SUCCESS) return rc;
  publish_describe_and_status(d);
  publish_reading(d);
  return MQTTCLIENT_SUCCESS;
}

static void usage(void) {
  fprintf(stderr,
          "usage: hearth-fw-example-device --url URL --id DEVICE_ID [--interval-ms N]\n"
          "           [--user NAME --password-file FILE] [--claim CODE [--credentials-file FILE]]\n"
          "           [--break essential|units|retain|no-will|no-ack]\n");
  exit(2);
}

static breakage parse_break(const char* s) {
  static const char* const NAMES[] = {"essential", "units", "retain", "no-will", "no-ack"};
  int i;
  for (i = 0; i < 5; ++i) {
    if (strcmp(s, NAMES[i]) == 0) return (breakage)(i + 1);
  }
  usage();
  return BREAK_NONE;
}

static void read_password(device* d, const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL || fgets(d->password, sizeof d->password, f) == NULL) {
    fprintf(stderr, "device: cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  d->password[strcspn(d->password, "\r\n")] = '\0';
}

static void parse_args(device* d, int argc, char** argv) {
  int i;
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--url") == 0) {
      d->url = argv[i + 1];
    } else if (strcmp(argv[i], "--id") == 0) {
      d->id = argv[i + 1];
    } else if (strcmp(argv[i], "--interval-ms") == 0) {
      d->interval_ms = strtol(argv[i + 1], NULL, 10);
    } else if (strcmp(argv[i], "--claim") == 0) {
      d->claim_code = argv[i + 1];
    } else if (strcmp(argv[i], "--credentials-file") == 0) {
      d->credentials_file = argv[i + 1];
    } else if (strcmp(argv[i], "--user") == 0 && strlen(argv[i + 1]) < sizeof d->user) {
      memcpy(d->user, argv[i + 1], strlen(argv[i + 1]) + 1);
    } else if (strcmp(argv[i], "--password-file") == 0) {
      read_password(d, argv[i + 1]);
    } else if (strcmp(argv[i], "--break") == 0) {
      d->broken = parse_break(argv[i + 1]);
    } else {
      usage();
    }
  }
  if (i != argc || d->url == NULL || d->id == NULL || d->interval_ms < 100 || d->interval_ms > 86400000L) usage();
  if (d->claim_code != NULL && !hfw_valid_claim_code(d->claim_code)) usage();
}

static void make_topics(device* d) {
  if (hfw_topic(d->topic_reading, HFW_MAX_TOPIC, d->id, HFW_TOPIC_READING) != HFW_OK) usage();
  (void)hfw_topic(d->topic_status, HFW_MAX_TOPIC, d->id, HFW_TOPIC_STATUS);
  (void)hfw_topic(d->topic_describe, HFW_MAX_TOPIC, d->id, HFW_TOPIC_DESCRIBE);
  (void)hfw_topic(d->topic_cmd, HFW_MAX_TOPIC, d->id, HFW_TOPIC_CMD);
  (void)hfw_topic(d->topic_ack, HFW_MAX_TOPIC, d->id, HFW_TOPIC_ACK);
  (void)hfw_topic(d->topic_claim, HFW_MAX_TOPIC, d->id, HFW_TOPIC_CLAIM);
  (void)hfw_topic(d->topic_provision, HFW_MAX_TOPIC, d->id, HFW_TOPIC_PROVISION);
}

/* Paho C wants tcp:// or ssl://; accept the usual mqtt:// spelling too. */
static const char* paho_url(const char* url, char* buf, size_t cap) {
  if (strncmp(url, "mqtt://", 7) == 0 && strlen(url) + 1 < cap) {
    memcpy(buf, "tcp://", 6);
    memcpy(buf + 6, url + 7, strlen(url + 7) + 1);
    return buf;
  }
  return url;
}

static void run(device* d) {
  double next_publish_ms = 0.0;
  long backoff_ms = 250;
  while (!stop_requested) {
    char* topic = NULL;
    int topic_len = 0;
    MQTTClient_message* m = NULL;
    if (!MQTTClient_isConnected(d->client)) {
      const int rc = connect_device(d);
      if (rc != MQTTCLIENT_SUCCESS) {
        struct timespec pause;
        fprintf(stderr, "device: connect to %s failed (%d); retrying\n", d->url, rc);
        pause.tv_sec = backoff_ms / 1000;
        pause.tv_nsec = (backoff_ms % 1000) * 1000000L;
        nanosleep(&pause, NULL);
        backoff_ms = backoff_ms < 8000 ? backoff_ms * 2 : backoff_ms;
        continue;
      }
      fprintf(stderr, "device: %s connected as %s (boot %s)\n", d->url, d->id, d->boot);
      backoff_ms = 250;
      next_publish_ms = monotonic_ms() + (double)d->interval_ms;
    }
    if (MQTTClient_receive(d->client, &topic, &topic_len, &m, RECEIVE_TIMEOUT_MS) == MQTTCLIENT_SUCCESS && m != NULL) {
      if (d->claim_code != NULL && strcmp(topic, d->topic_provision) == 0) {
        handle_provision(d, m);
      } else if (d->claim_code == NULL && strcmp(topic, d->topic_cmd) == 0) {
        handle_command(d, m);
      }
      MQTTClient_freeMessage(&m);
      MQTTClient_free(topic);
    }
    if (monotonic_ms() >= next_publish_ms) {
      if (d->claim_code != NULL) {
        publish_claim(d);
      } else {
        publish_reading(d);
      }
      next_publish_ms += (double)d->interval_ms;
    }
  }
}

int main(int argc, char** argv) {
  static device d;
  struct sigaction sa;
  uint8_t random_id[4];
  char url_buf[256];
  char offline[64];
  size_t len = 0;

  d.interval_ms = 60000;
  parse_args(&d, argc, argv);
  make_topics(&d);
  if (sodium_init() < 0) {
    fprintf(stderr, "device: libsodium unavailable\n");
    return 2;
  }
  if (d.claim_code != NULL) {
    if (load_credentials(&d)) {
      d.claim_code = NULL; /* claimed before a restart */
      fprintf(stderr, "device: using the stored credentials of %s\n", d.creds.username);
    } else {
      crypto_box_keypair(d.public_key, d.secret_key);
    }
  }
  random_bytes(random_id, sizeof random_id);
  hfw_hex_id((uint32_t)random_id[0] << 24 | (uint32_t)random_id[1] << 16 | (uint32_t)random_id[2] << 8 | random_id[3],
             d.boot);
  d.relays[LAMP].switchable = 1;
  d.relays[FRIDGE].switchable = 1;
  d.relays[FRIDGE].essential = 1;
  d.relays[FRIDGE].on = 1; /* an essential load powers up on */
  d.last_ms = monotonic_ms();

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  if (MQTTClient_create(&d.client, paho_url(d.url, url_buf, sizeof url_buf), d.id, MQTTCLIENT_PERSISTENCE_NONE, NULL) !=
      MQTTCLIENT_SUCCESS) {
    fprintf(stderr, "device: bad broker url %s\n", d.url);
    return 2;
  }
  run(&d);
  if (MQTTClient_isConnected(d.client) && d.claim_code == NULL) {
    (void)hfw_encode_status(offline, sizeof offline, 0, d.boot, &len);
    publish(&d, d.topic_status, offline, len, 1);
  }
  MQTTClient_disconnect(d.client, 2000);
  MQTTClient_destroy(&d.client);
  return 0;
}
