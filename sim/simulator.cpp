#include "sim/simulator.h"

#include <hearth_fw.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "sim/payloads.h"

namespace hearth::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view Z2M_LINK = "zigbee2mqtt";
constexpr std::string_view Z2M_BASE = "zigbee2mqtt";
constexpr WallTime FORCED_MOTION_CLEAR{10'000};  // a PIR's "clear" after an incident's movement
constexpr WallTime INCIDENT_REPORT{5'000};       // sensors an incident acts on report at least this often
constexpr double COLD_SNAP_C = 14.0;

struct TasmotaPlug {
  std::string topic;  // %topic%
  std::string name, room, kind;
  Appliance appliance = Appliance::kettle;
  bool has_relay = true;
  bool switchable = false;
  bool relay_on = true;
  double total_kwh = 0.0;
  double power_w = 0.0;  // at the latest data step
  bool in_gap = false;   // the recording has no value: the plug stays silent
  std::optional<WallTime> last_report;
  std::string link() const { return "tasmota-" + topic; }
};

struct ShellyPlug {
  std::string prefix;
  std::string name, room, kind;
  Appliance appliance = Appliance::tv;
  payload::ShellySwitch sw;
  std::optional<WallTime> last_report;
};

// Shelly Gen1 Plug S: plain-text topics under shellies/<id>/, QoS 0, not retained (the device's
// defaults), an energy counter in watt-minutes that restarts when the plug loses power.
struct ShellyGen1Plug {
  std::string id;     // MQTT id (also the link's client id)
  std::string alias;  // incident target ("toaster")
  std::string mac, ip;
  std::string name, room, kind;
  Appliance appliance = Appliance::toaster;
  bool relay_on = true;
  double power_w = 0.0;
  double energy_wmin = 0.0;  // since boot
  bool power_cut = true;     // the next connection is a new boot (first start, or after plug_offline)
  WallTime booted{0};
  std::optional<WallTime> last_report;
  std::string topic(std::string_view tail) const { return "shellies/" + id + "/" + std::string(tail); }
};

// An ESPHome node with the native MQTT component: <node>/status online/offline (retained birth and
// will), retained sensor states, and Home Assistant discovery configs (retained).
struct EsphomeNode {
  std::string node;  // topic_prefix = node name (also the link's client id)
  std::string mac;
  std::string name, room;
  Room place = Room::kitchen;
  std::vector<payload::EsphomeSensor> sensors;
  std::optional<WallTime> last_report;
};

enum class ZKind : std::uint8_t { climate, motion, contact, smoke };

struct ZigbeeDevice {
  std::string name;  // friendly name
  std::string display, room;
  ZKind kind = ZKind::climate;
  Room place = Room::living_room;
  bool state = false;  // occupancy / open / smoke
  bool available = true;
  int battery_pct = 90;
  int linkquality = 120;
  std::optional<WallTime> clear_at;  // motion: when a forced detection clears
  std::optional<WallTime> last_report;
};

struct NativeDevice {
  std::string id;
  bool plug = true;  // plug: fridge (ch 0, essential) + lamp (ch 1); else a bathroom sensor
  std::array<hfw_relay, 2> relays{};
  std::array<double, 2> energy_kwh{};
  std::array<double, 2> power_w{};
  std::string boot;
  std::uint32_t seq = 0;
  std::uint32_t boots = 0;
  bool power_cut = true;  // the next connection is a new boot (first start, or after plug_offline)
  bool motion = false;
  std::optional<WallTime> clear_at;
  std::optional<WallTime> last_report;
};

struct IncidentState {
  Incident incident;
  bool started = false;
  bool ended = false;
  std::optional<WallTime> last_poke;  // cold snap: the resident's last movement in the cold room
};

std::string hex_id(std::uint64_t v) {
  char out[HFW_HEX_ID_LEN + 1];
  hfw_hex_id(static_cast<std::uint32_t>(v ^ (v >> 32)), out);
  return out;
}

bool activity_appliance(Appliance a) {
  return a == Appliance::kettle || a == Appliance::microwave || a == Appliance::tv || a == Appliance::washing_machine ||
         a == Appliance::dishwasher || a == Appliance::toaster;
}

}  // namespace

std::string_view to_string(Ecosystem e) {
  switch (e) {
    case Ecosystem::tasmota:
      return "tasmota";
    case Ecosystem::shelly_gen2:
      return "shelly_gen2";
    case Ecosystem::zigbee2mqtt:
      return "zigbee2mqtt";
    case Ecosystem::native:
      return "hearth_native";
    case Ecosystem::shelly_gen1:
      return "shelly_gen1";
    case Ecosystem::esphome:
      return "esphome";
  }
  return "?";
}

std::optional<DataTime> parse_start(std::string_view text) {
  std::int64_t day = 0;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const auto d = text.substr(0, slash);
    if (d.empty() || d.size() > 4 || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    day = std::stoll(std::string(d));
    text = text.substr(slash + 1);
  }
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (!digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return DataTime{day * DAY.count() + (h * 60LL + m) * 60'000};
}

struct Simulator::Impl {
  SimOptions opt;
  Routine routine;
  std::optional<RefitPower> refit;
  std::optional<RecordedEvents> recorded;
  std::unique_ptr<ThermalModel> thermal;
  std::vector<Link> links;
  std::map<std::string, bool, std::less<>> link_up;
  std::vector<TasmotaPlug> tasmota;
  std::vector<ShellyPlug> shelly;
  std::vector<ShellyGen1Plug> gen1;
  std::vector<EsphomeNode> esphome;
  std::vector<ZigbeeDevice> zigbee;
  std::vector<NativeDevice> native;
  std::vector<IncidentState> incidents;
  SimStats stats;
  DataTime data{0};
  WallTime wall{0};
  std::string total_start_time;

  explicit Impl(SimOptions o) : opt(std::move(o)), routine(opt.seed), data(opt.start) {}

  // ---- the home's fixed inventory ----
  void build() {
    const auto plug = [&](std::string topic, std::string name, std::string room, std::string kind, Appliance a,
                          bool relay, bool switchable) {
      TasmotaPlug p;
      p.topic = std::move(topic);
      p.name = std::move(name);
      p.room = std::move(room);
      p.kind = std::move(kind);
      p.appliance = a;
      p.has_relay = relay;
      p.switchable = switchable;
      tasmota.push_back(std::move(p));
    };
    plug("kettle", "Kettle", "Kitchen", "kettle", Appliance::kettle, true, true);
    plug("microwave", "Microwave", "Kitchen", "microwave", Appliance::microwave, true, true);
    plug("washing_machine", "Washing machine", "Kitchen", "washing_machine", Appliance::washing_machine, true, false);
    plug("dishwasher", "Dishwasher", "Kitchen", "other", Appliance::dishwasher, true, false);
    plug("house_meter", "Whole house", "Hallway", "other", Appliance::whole_house, false, false);
    for (auto& p : tasmota) {
      links.push_back(
          Link{p.link(), Ecosystem::tasmota, "tele/" + p.topic + "/LWT", "Offline",
               p.has_relay ? std::vector<std::string>{"cmnd/" + p.topic + "/POWER"} : std::vector<std::string>{}});
    }

    ShellyPlug tv;
    tv.prefix = "shellyplusplugs-d8bfc0a1b2c3";
    tv.name = "TV";
    tv.room = "Living room";
    tv.kind = "tv";
    shelly.push_back(tv);
    links.push_back(Link{tv.prefix, Ecosystem::shelly_gen2, tv.prefix + "/online", "false", {tv.prefix + "/rpc"}});
    build_gen1_and_esphome();

    const auto z = [&](std::string name, std::string display, std::string room, ZKind kind, Room place) {
      ZigbeeDevice d;
      d.name = std::move(name);
      d.display = std::move(display);
      d.room = std::move(room);
      d.kind = kind;
      d.place = place;
      d.battery_pct = 70 + static_cast<int>(mix(opt.seed, 11, zigbee.size()) % 31);
      d.linkquality = 60 + static_cast<int>(mix(opt.seed, 12, zigbee.size()) % 140);
      zigbee.push_back(std::move(d));
    };
    z("living_room/climate", "Living room sensor", "Living room", ZKind::climate, Room::living_room);
    z("bedroom/climate", "Bedroom sensor", "Bedroom", ZKind::climate, Room::bedroom);
    z("living_room/motion", "Living room motion", "Living room", ZKind::motion, Room::living_room);
    z("kitchen/motion", "Kitchen motion", "Kitchen", ZKind::motion, Room::kitchen);
    z("bedroom/motion", "Bedroom motion", "Bedroom", ZKind::motion, Room::bedroom);
    z("hall/motion", "Hall motion", "Hallway", ZKind::motion, Room::hall);
    z("hall/front_door", "Front door", "Hallway", ZKind::contact, Room::hall);
    z("kitchen/smoke", "Kitchen smoke alarm", "Kitchen", ZKind::smoke, Room::kitchen);
    links.push_back(Link{std::string(Z2M_LINK),
                         Ecosystem::zigbee2mqtt,
                         std::string(Z2M_BASE) + "/bridge/state",
                         R"({"state":"offline"})",
                         {}});

    NativeDevice fridge;
    fridge.id = "plug-1";
    fridge.relays[0] = hfw_relay{1, 1, 1};  // the fridge: switchable on, never off remotely
    fridge.relays[1] = hfw_relay{1, 0, 0};  // the living-room lamp
    native.push_back(fridge);
    NativeDevice bath;
    bath.id = "bathroom-sensor";
    bath.plug = false;
    native.push_back(bath);
    for (auto& n : native) {
      char topic[HFW_MAX_TOPIC];
      (void)hfw_topic(topic, sizeof topic, n.id.c_str(), HFW_TOPIC_STATUS);
      std::string will_topic = topic;
      (void)hfw_topic(topic, sizeof topic, n.id.c_str(), HFW_TOPIC_CMD);
      links.push_back(Link{n.id, Ecosystem::native, will_topic, R"({"state":"offline"})", {topic}});
    }
    for (const auto& l : links) link_up[l.key] = true;
    for (const auto& inc : opt.incidents) incidents.push_back({inc, false, false, std::nullopt});
    thermal = std::make_unique<ThermalModel>(routine, opt.start);
    integrate(opt.start, DataTime{0});  // the loads at the start, for the first reports
    total_start_time = payload::local_time_text(opt.start.count(), opt.day0_epoch_s);
  }

  void build_gen1_and_esphome() {
    ShellyGen1Plug toaster;
    toaster.id = "shellyplug-s-C45BBE7F3A21";
    toaster.alias = "toaster";
    toaster.mac = "C45BBE7F3A21";
    toaster.ip = "192.168.1.61";
    toaster.name = "Toaster";
    toaster.room = "Kitchen";
    toaster.kind = "other";
    gen1.push_back(toaster);
    for (const auto& g : gen1) {
      Link l{g.id,
             Ecosystem::shelly_gen1,
             g.topic("online"),
             "false",
             {g.topic("relay/0/command"), "shellies/command", g.topic("command")}};
      l.will_retain = false;
      links.push_back(std::move(l));
    }
    EsphomeNode kitchen;
    kitchen.node = "kitchen-climate";
    kitchen.mac = "a4cf12ab7e21";
    kitchen.name = "Kitchen sensor";
    kitchen.room = "Kitchen";
    kitchen.place = Room::kitchen;
    kitchen.sensors = {{"kitchen_temperature", "Kitchen Temperature", "temperature", "°C", 1, false},
                       {"kitchen_humidity", "Kitchen Humidity", "humidity", "%", 0, false},
                       {"wifi_signal", "WiFi Signal", "signal_strength", "dBm", 0, true}};
    esphome.push_back(kitchen);
    for (const auto& e : esphome) {
      // ESPHome's will and birth are retained; it listens for Home Assistant's birth message to
      // publish its discovery configs again.
      links.push_back(Link{e.node, Ecosystem::esphome, e.node + "/status", "offline", {"homeassistant/status"}});
    }
  }

  std::vector<HearthDevice> hearth_devices() const {
    std::vector<HearthDevice> out;
    for (const auto& p : tasmota) out.push_back({"tasmota:" + p.topic, p.name, p.room, p.kind, false, p.switchable});
    for (const auto& s : shelly) out.push_back({"shelly:" + s.prefix, s.name, s.room, s.kind, false, true});
    for (const auto& g : gen1) out.push_back({"shelly:" + g.id, g.name, g.room, g.kind, false, true});
    for (const auto& e : esphome) out.push_back({"esphome:" + e.node, e.name, e.room, "other", false, false});
    for (const auto& z : zigbee) out.push_back({"z2m:" + z.name, z.display, z.room, "other", false, false});
    out.push_back({"hearth:plug-1", "Fridge", "Kitchen", "fridge", true, true});
    out.push_back({"hearth:plug-1#1", "Living room lamp", "Living room", "lamp", false, true});
    out.push_back({"hearth:bathroom-sensor", "Bathroom sensor", "Bathroom", "other", false, false});
    return out;
  }

  // ---- time ----
  WallTime wall_period(DataTime data_period) const {
    const auto w = WallTime{static_cast<std::int64_t>(static_cast<double>(data_period.count()) / opt.speed)};
    return std::max(w, opt.min_report_interval);
  }
  static bool due(const std::optional<WallTime>& last, WallTime now, WallTime period) {
    return !last || now - *last >= period;
  }

  bool active(IncidentKind kind) const {
    return std::any_of(incidents.begin(), incidents.end(),
                       [&](const IncidentState& s) { return s.incident.kind == kind && s.started && !s.ended; });
  }
  const IncidentState* active_on(IncidentKind kind, std::string_view target) const {
    for (const auto& s : incidents) {
      if (s.incident.kind == kind && s.incident.target == target && s.started && !s.ended) return &s;
    }
    return nullptr;
  }

  // ---- what the home draws ----
  std::optional<double> demand_w(Appliance a, DataTime t) const {
    if (active(IncidentKind::fall) && activity_appliance(a)) return a == Appliance::tv ? 0.4 : 0.0;
    if (refit && a != Appliance::tv && a != Appliance::fridge && a != Appliance::lamp && a != Appliance::toaster)
      return refit->power_w(a, t);
    return routine.power_w(a, t);
  }

  void integrate(DataTime from, DataTime dt) {
    const double hours = static_cast<double>(dt.count()) / 3'600'000.0;
    double switched_off_w = 0.0;
    for (auto& p : tasmota) {
      if (p.appliance == Appliance::whole_house) continue;
      const auto d = demand_w(p.appliance, from);
      p.in_gap = !d.has_value();
      const double w = d.value_or(0.0);
      p.power_w = p.relay_on ? w : 0.0;
      if (!p.relay_on) switched_off_w += w;
      p.total_kwh += p.power_w * hours / 1000.0;
    }
    for (auto& s : shelly) {
      const double w = demand_w(s.appliance, from).value_or(0.0);
      s.sw.apower_w = s.sw.output ? w : 0.0;
      if (!s.sw.output) switched_off_w += w;
      s.sw.aenergy_total_wh += s.sw.apower_w * hours;
    }
    for (auto& g : gen1) {
      const double w = demand_w(g.appliance, from).value_or(0.0);
      const bool unplugged = g.power_cut && !link_up[g.id];  // plug_offline: no power until plugged in again
      const bool powered = g.relay_on && !unplugged;
      g.power_w = powered ? w : 0.0;
      if (!powered) switched_off_w += w;
      g.energy_wmin += g.power_w * hours * 60.0;
    }
    for (auto& n : native) {
      if (!n.plug) continue;
      n.power_w[0] = n.relays[0].on ? routine.power_w(Appliance::fridge, from) : 0.0;
      n.power_w[1] = n.relays[1].on ? routine.power_w(Appliance::lamp, from) : 0.0;
      for (std::size_t ch = 0; ch < 2; ++ch) n.energy_kwh[ch] += n.power_w[ch] * hours / 1000.0;
    }
    for (auto& p : tasmota) {
      if (p.appliance != Appliance::whole_house) continue;
      const auto d = demand_w(Appliance::whole_house, from);
      p.in_gap = !d.has_value();
      p.power_w = std::max(0.0, d.value_or(0.0) - switched_off_w);
      p.total_kwh += p.power_w * hours / 1000.0;
    }
  }

  // ---- messages ----
  void emit(std::vector<Outgoing>& out, std::string_view link, std::string topic, std::string payload, int qos,
            bool retain) {
    const auto it = link_up.find(link);
    if (it == link_up.end() || !it->second) return;  // a device without its connection sends nothing
    ++stats.messages;
    out.push_back(Outgoing{std::string(link), std::move(topic), std::move(payload), qos, retain});
  }

  std::string time_text() const { return payload::local_time_text(data.count(), opt.day0_epoch_s); }

  void report_tasmota(std::vector<Outgoing>& out, TasmotaPlug& p, WallTime now) {
    p.last_report = now;
    if (p.in_gap) return;
    const std::string t = time_text();
    const std::int64_t uptime_s = std::max<std::int64_t>(0, now.count() / 1000) + 17;
    const int rssi = -55 - static_cast<int>(mix(opt.seed, 21, p.topic.size()) % 20);
    emit(out, p.link(), "tele/" + p.topic + "/STATE",
         payload::tasmota_state(t, uptime_s, p.has_relay ? std::optional<bool>(p.relay_on) : std::nullopt, rssi), 0,
         false);
    payload::TasmotaEnergy e;
    e.total_start_time = total_start_time;
    e.total_kwh = p.total_kwh;
    e.today_kwh = p.total_kwh;
    e.power_w = p.power_w;
    e.voltage_v = 239.0 + 3.0 * unit_random(opt.seed, 22, static_cast<std::uint64_t>(data.count() / 60'000));
    emit(out, p.link(), "tele/" + p.topic + "/SENSOR", payload::tasmota_sensor(t, e), 0, false);
  }

  double shelly_ts() const {
    return static_cast<double>(opt.day0_epoch_s) + static_cast<double>(data.count()) / 1000.0;
  }

  void report_shelly(std::vector<Outgoing>& out, ShellyPlug& s, WallTime now) {
    s.last_report = now;
    emit(out, s.prefix, s.prefix + "/events/rpc", payload::shelly_notify_status(s.prefix, shelly_ts(), s.sw), 0, false);
  }

  // The relay's state and power, as a Gen1 plug publishes them on a change.
  void report_gen1_relay(std::vector<Outgoing>& out, const ShellyGen1Plug& g) {
    emit(out, g.id, g.topic("relay/0"), payload::shelly_gen1_relay_text(g.relay_on), 0, false);
    emit(out, g.id, g.topic("relay/0/power"), payload::shelly_gen1_power_text(g.power_w), 0, false);
  }

  // The periodic update (every update_period): relay, power, energy, its own temperature, info.
  void report_gen1(std::vector<Outgoing>& out, ShellyGen1Plug& g, WallTime now) {
    g.last_report = now;
    const double chip_c = 27.0 + std::min(12.0, g.power_w / 100.0);  // warms with the load
    report_gen1_relay(out, g);
    emit(out, g.id, g.topic("relay/0/energy"), payload::shelly_gen1_energy_text(g.energy_wmin), 0, false);
    emit(out, g.id, g.topic("temperature"), payload::shelly_gen1_temperature_text(chip_c), 0, false);
    emit(out, g.id, g.topic("temperature_f"), payload::shelly_gen1_temperature_text(chip_c * 1.8 + 32.0), 0, false);
    emit(out, g.id, g.topic("overtemperature"), "0", 0, false);
    payload::ShellyGen1Info info;
    info.mac = g.mac;
    info.ip = g.ip;
    info.relay_on = g.relay_on;
    info.power_w = g.power_w;
    info.energy_wmin = g.energy_wmin;
    info.temperature_c = chip_c;
    info.rssi_dbm = -58 - static_cast<int>(mix(opt.seed, 23, g.id.size()) % 15);
    info.uptime_s = std::max<std::int64_t>(0, (now - g.booted).count() / 1000);
    emit(out, g.id, g.topic("info"), payload::shelly_gen1_info(info), 0, false);
  }

  void announce_gen1(std::vector<Outgoing>& out, const ShellyGen1Plug& g) {
    const std::string a = payload::shelly_gen1_announce(g.id, g.mac, g.ip);
    emit(out, g.id, "shellies/announce", a, 0, false);
    emit(out, g.id, g.topic("announce"), a, 0, false);
  }

  // Every sensor's state (retained, as ESPHome's default).
  void report_esphome(std::vector<Outgoing>& out, EsphomeNode& e, WallTime now) {
    e.last_report = now;
    for (const auto& s : e.sensors) {
      double v = 0.0;
      if (s.device_class == "temperature") {
        v = room_temperature_c(e.place, e.node, now);
      } else if (s.device_class == "humidity") {
        v = thermal->humidity_pct(e.place);
      } else {
        v = -64.0 + 6.0 * unit_random(opt.seed, 24, static_cast<std::uint64_t>(data.count() / 60'000));
      }
      emit(out, e.node, e.node + "/sensor/" + s.object_id + "/state", payload::esphome_state(v, s.accuracy_decimals), 0,
           true);
    }
  }

  void discovery_esphome(std::vector<Outgoing>& out, const EsphomeNode& e) {
    for (const auto& s : e.sensors) {
      emit(out, e.node, "homeassistant/sensor/" + e.node + "/" + s.object_id + "/config",
           payload::esphome_discovery_config(e.node, e.mac, s), 0, true);
    }
  }

  double room_temperature_c(Room room, std::string_view target, WallTime now) const {
    double t = thermal->temperature_c(room);
    // A cold snap pulls the target's room down to 14 °C over a ramp (a quarter of the incident, at
    // most 5 min) and lets it recover over the same ramp afterwards; all in wall time.
    for (const auto& s : incidents) {
      if (s.incident.kind != IncidentKind::cold_snap || s.incident.target != target || !s.started) continue;
      const auto ramp = std::max<std::int64_t>(1, std::min<std::int64_t>(s.incident.duration.count() / 4, 300'000));
      double k = 0.0;
      if (now < s.incident.end())
        k = std::min(1.0, static_cast<double>((now - s.incident.at).count()) / static_cast<double>(ramp));
      else
        k = std::max(0.0, 1.0 - static_cast<double>((now - s.incident.end()).count()) / static_cast<double>(ramp));
      if (t > COLD_SNAP_C) t += (COLD_SNAP_C - t) * k;
    }
    // Sensor noise of +-0.1 °C, the same for the same seed and data minute.
    return t + 0.2 * (unit_random(opt.seed, 31 + static_cast<std::uint64_t>(room),
                                  static_cast<std::uint64_t>(data.count() / 60'000)) -
                      0.5);
  }

  void report_zigbee(std::vector<Outgoing>& out, ZigbeeDevice& z, WallTime now) {
    z.last_report = now;
    if (!z.available) return;
    std::string p;
    switch (z.kind) {
      case ZKind::climate:
        p = payload::z2m_climate(room_temperature_c(z.place, z.name, now), thermal->humidity_pct(z.place),
                                 z.battery_pct, z.linkquality);
        break;
      case ZKind::motion: {
        const bool daylight =
            (data.count() % DAY.count()) / 3'600'000 >= 7 && (data.count() % DAY.count()) / 3'600'000 < 19;
        p = payload::z2m_motion(z.state, daylight ? 180 : 3, z.battery_pct, z.linkquality);
        break;
      }
      case ZKind::contact:
        p = payload::z2m_contact(z.state, z.battery_pct, z.linkquality);
        break;
      case ZKind::smoke:
        p = payload::z2m_smoke(z.state, z.state ? 18.0 : 0.0, z.battery_pct, z.linkquality);
        break;
    }
    emit(out, Z2M_LINK, std::string(Z2M_BASE) + "/" + z.name, std::move(p), 0, false);
  }

  void report_native(std::vector<Outgoing>& out, NativeDevice& n, WallTime now) {
    n.last_report = now;
    if (n.boot.empty()) return;  // never connected yet
    char buf[HFW_MAX_PAYLOAD + 1];
    char topic[HFW_MAX_TOPIC];
    hfw_reading r;
    std::size_t len = 0;
    hfw_reading_begin(&r, buf, sizeof buf, n.boot.c_str(), n.seq++, 0);  // no synchronised clock: no ts
    if (n.plug) {
      for (std::uint8_t ch = 0; ch < 2; ++ch) {
        hfw_reading_flag(&r, ch, HFW_RELAY_ON, n.relays[ch].on);
        hfw_reading_number(&r, ch, HFW_POWER_W, std::round(n.power_w[ch] * 10.0) / 10.0);
        hfw_reading_energy(&r, ch, n.energy_kwh[ch], n.boot.c_str());  // no saved counter: the boot id
      }
    } else {
      hfw_reading_number(&r, 0, HFW_TEMPERATURE_C,
                         std::round(room_temperature_c(Room::bathroom, n.id, now) * 100) / 100);
      hfw_reading_number(&r, 0, HFW_HUMIDITY_PCT, std::round(thermal->humidity_pct(Room::bathroom) * 10) / 10);
      hfw_reading_flag(&r, 0, HFW_MOTION, n.motion);
    }
    if (hfw_reading_end(&r, &len) != HFW_OK) return;
    (void)hfw_topic(topic, sizeof topic, n.id.c_str(), HFW_TOPIC_READING);
    emit(out, n.id, topic, std::string(buf, len), 1, false);
  }

  std::vector<Outgoing> births(std::string_view key, WallTime now) {
    std::vector<Outgoing> out;
    for (auto& p : tasmota) {
      if (p.link() != key) continue;
      emit(out, key, "tele/" + p.topic + "/LWT", "Online", 1, true);
      if (p.has_relay) {
        emit(out, key, "stat/" + p.topic + "/RESULT", payload::tasmota_result(p.relay_on), 0, false);
        emit(out, key, "stat/" + p.topic + "/POWER", payload::tasmota_power_text(p.relay_on), 0, false);
      }
      report_tasmota(out, p, now);
    }
    for (auto& s : shelly) {
      if (s.prefix != key) continue;
      s.sw.source = "init";
      emit(out, key, s.prefix + "/online", "true", 1, true);
      emit(out, key, s.prefix + "/events/rpc", payload::shelly_notify_full_status(s.prefix, shelly_ts(), s.sw, -61), 0,
           false);
      s.last_report = now;
    }
    for (auto& g : gen1) {
      if (g.id != key) continue;
      if (g.power_cut) {  // plugged in (again): a new boot, the watt-minute counter starts at 0
        g.power_cut = false;
        g.energy_wmin = 0.0;
        g.booted = now;
      }
      emit(out, key, g.topic("online"), "true", 0, false);
      announce_gen1(out, g);
      report_gen1(out, g, now);
    }
    for (auto& e : esphome) {
      if (e.node != key) continue;
      emit(out, key, e.node + "/status", "online", 0, true);
      discovery_esphome(out, e);
      report_esphome(out, e, now);
    }
    if (key == Z2M_LINK) {
      emit(out, key, std::string(Z2M_BASE) + "/bridge/state", R"({"state":"online"})", 1, true);
      for (auto& z : zigbee) {
        emit(out, key, std::string(Z2M_BASE) + "/" + z.name + "/availability", payload::z2m_availability(z.available),
             1, true);
        report_zigbee(out, z, now);
      }
    }
    for (auto& n : native) {
      if (n.id != key) continue;
      // After a power cut the firmware boots: new boot id, seq from 0, a new energy counter. A
      // reconnect (broker outage, Wi-Fi) keeps them; the describe/status/reading are sent again.
      if (n.power_cut) {
        n.power_cut = false;
        n.boot = hex_id(mix(opt.boot_entropy, 41 + n.id.size(), ++n.boots));
        n.seq = 0;
        n.energy_kwh = {};
      }
      publish_describe(out, n);
      char buf[HFW_MAX_PAYLOAD + 1];
      char topic[HFW_MAX_TOPIC];
      std::size_t len = 0;
      (void)hfw_topic(topic, sizeof topic, n.id.c_str(), HFW_TOPIC_STATUS);
      if (hfw_encode_status(buf, sizeof buf, 1, n.boot.c_str(), &len) == HFW_OK)
        emit(out, key, topic, std::string(buf, len), 1, true);
      report_native(out, n, now);
    }
    return out;
  }

  void publish_describe(std::vector<Outgoing>& out, const NativeDevice& n) {
    static const std::array<hfw_capability, 6> PLUG_CAPS{{
        {0, HFW_RELAY_ON, 1, 1},
        {0, HFW_POWER_W, 0, 0},
        {0, HFW_ENERGY_KWH, 0, 0},
        {1, HFW_RELAY_ON, 1, 0},
        {1, HFW_POWER_W, 0, 0},
        {1, HFW_ENERGY_KWH, 0, 0},
    }};
    static const std::array<hfw_capability, 3> SENSOR_CAPS{{
        {0, HFW_TEMPERATURE_C, 0, 0},
        {0, HFW_HUMIDITY_PCT, 0, 0},
        {0, HFW_MOTION, 0, 0},
    }};
    hfw_description d{};
    d.model = n.plug ? "Hearth Sim Plug 2" : "Hearth Sim Room Sensor";
    d.firmware = "0.1.0-sim";
    d.boot_id = n.boot.c_str();
    const auto period_ms = wall_period(opt.tele_period).count();
    d.interval_s =
        static_cast<std::uint32_t>(std::clamp<std::int64_t>((period_ms + 999) / 1000, 1, HFW_MAX_INTERVAL_S));
    d.battery = 0;
    d.caps = n.plug ? PLUG_CAPS.data() : SENSOR_CAPS.data();
    d.cap_count = n.plug ? PLUG_CAPS.size() : SENSOR_CAPS.size();
    char buf[HFW_MAX_DESCRIBE_PAYLOAD + 1];
    char topic[HFW_MAX_TOPIC];
    std::size_t len = 0;
    (void)hfw_topic(topic, sizeof topic, n.id.c_str(), HFW_TOPIC_DESCRIBE);
    if (hfw_encode_describe(buf, sizeof buf, &d, &len) == HFW_OK)
      emit(out, n.id, topic, std::string(buf, len), 1, true);
  }

  // ---- sensor events from the routine or the recording ----
  ZigbeeDevice* zigbee_named(std::string_view name) {
    for (auto& z : zigbee) {
      if (z.name == name) return &z;
    }
    return nullptr;
  }
  ZigbeeDevice* motion_sensor(Room room) {
    for (auto& z : zigbee) {
      if (z.kind == ZKind::motion && z.place == room) return &z;
    }
    return nullptr;
  }
  EsphomeNode* esphome_named(std::string_view node) {
    for (auto& e : esphome) {
      if (e.node == node) return &e;
    }
    return nullptr;
  }
  NativeDevice* native_named(std::string_view id) {
    for (auto& n : native) {
      if (n.id == id) return &n;
    }
    return nullptr;
  }

  void set_motion(std::vector<Outgoing>& out, Room room, bool on, WallTime now, std::optional<WallTime> clear_at) {
    if (room == Room::bathroom) {
      NativeDevice* n = native_named("bathroom-sensor");
      if (n == nullptr) return;
      n->clear_at = clear_at;
      if (n->motion == on) return;
      n->motion = on;
      report_native(out, *n, now);  // a change is reported at once
      return;
    }
    ZigbeeDevice* z = motion_sensor(room);
    if (z == nullptr) return;
    z->clear_at = clear_at;
    if (!on && !z->state) return;
    z->state = on;  // detections repeat (occupancy:true again) as a real PIR's do
    report_zigbee(out, *z, now);
  }

  void apply(std::vector<Outgoing>& out, const SensorEvent& e, WallTime now) {
    ++stats.sensor_events;
    if (active(IncidentKind::fall)) return;  // nobody moves, opens a door or switches a lamp
    switch (e.type) {
      case EventType::motion:
        set_motion(out, e.room, e.on, now, std::nullopt);
        break;
      case EventType::front_door:
        if (ZigbeeDevice* door = zigbee_named("hall/front_door");
            door != nullptr && !active_on(IncidentKind::night_wandering, door->name)) {
          door->state = e.on;
          report_zigbee(out, *door, now);
        }
        break;
      case EventType::lamp:
        if (NativeDevice* n = native_named("plug-1"); n != nullptr && n->relays[1].on != e.on) {
          n->relays[1].on = e.on;  // the resident's own switch on the plug
          n->power_w[1] = e.on ? routine.power_w(Appliance::lamp, data) : 0.0;
          report_native(out, *n, now);
        }
        break;
    }
  }

  std::vector<SensorEvent> events(DataTime from, DataTime to) const {
    if (!recorded) return routine.events(from, to);
    auto ev = recorded->events(from, to);
    for (const auto& e : routine.events(from, to)) {
      if (e.type == EventType::lamp) ev.push_back(e);
    }
    std::stable_sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    return ev;
  }

  // ---- incidents ----
  // Empty when the incident's target exists in this home, else what would be accepted.
  std::string check_target(const Incident& inc) {
    const std::string& t = inc.target;
    std::vector<std::string> ok;
    switch (inc.kind) {
      case IncidentKind::fall:
        ok = {"bedroom", "bathroom", "kitchen", "living_room", "hall"};
        break;
      case IncidentKind::night_wandering:
      case IncidentKind::smoke:
        for (const auto& z : zigbee) {
          if (z.kind == (inc.kind == IncidentKind::smoke ? ZKind::smoke : ZKind::contact)) ok.push_back(z.name);
        }
        break;
      case IncidentKind::cold_snap:
        for (const auto& z : zigbee) {
          if (z.kind == ZKind::climate) ok.push_back(z.name);
        }
        for (const auto& n : native) {
          if (!n.plug) ok.push_back(n.id);
        }
        for (const auto& e : esphome) ok.push_back(e.node);
        break;
      case IncidentKind::plug_offline:
        for (const auto& p : tasmota) ok.push_back(p.topic);
        for (const auto& sh : shelly) ok.push_back(sh.prefix);
        ok.push_back("tv");
        for (const auto& g : gen1) {
          ok.push_back(g.id);
          ok.push_back(g.alias);
        }
        for (const auto& e : esphome) ok.push_back(e.node);
        for (const auto& n : native) ok.push_back(n.id);
        for (const auto& z : zigbee) ok.push_back(z.name);
        break;
      case IncidentKind::broker_outage:
        ok = {"all"};
        break;
    }
    if (std::find(ok.begin(), ok.end(), t) != ok.end()) return {};
    std::string list;
    for (const auto& o : ok) list += (list.empty() ? "" : ", ") + o;
    return "incident " + std::string(to_string(inc.kind)) + ": no target '" + t + "' in this home (one of: " + list +
           ")";
  }

  std::optional<std::string> link_of(std::string_view target) const {
    for (const auto& p : tasmota) {
      if (p.topic == target || p.link() == target) return p.link();
    }
    for (const auto& s : shelly) {
      if (s.prefix == target || target == "tv") return s.prefix;
    }
    for (const auto& g : gen1) {
      if (g.id == target || g.alias == target) return g.id;
    }
    for (const auto& e : esphome) {
      if (e.node == target) return e.node;
    }
    for (const auto& n : native) {
      if (n.id == target) return n.id;
    }
    return std::nullopt;
  }

  void start_incident(Step& step, IncidentState& s, WallTime now) {
    const Incident& inc = s.incident;
    step.log.push_back("incident " + std::string(to_string(inc.kind)) + " (" + inc.target + ") starts for " +
                       std::to_string(inc.duration.count() / 1000) + " s");
    switch (inc.kind) {
      case IncidentKind::fall: {
        // Everyone's PIR clears (nobody moves any more), after one last movement where the fall happens.
        for (auto& z : zigbee) {
          if (z.kind == ZKind::motion && z.state) {
            z.state = false;
            report_zigbee(step.messages, z, now);
          }
        }
        if (NativeDevice* n = native_named("bathroom-sensor"); n != nullptr && n->motion) {
          n->motion = false;
          report_native(step.messages, *n, now);
        }
        Room room = Room::bathroom;
        for (Room r : {Room::bedroom, Room::bathroom, Room::kitchen, Room::living_room, Room::hall}) {
          if (to_string(r) == inc.target) room = r;
        }
        set_motion(step.messages, room, true, now, now + FORCED_MOTION_CLEAR);
        break;
      }
      case IncidentKind::night_wandering:
        set_motion(step.messages, Room::bedroom, true, now, now + FORCED_MOTION_CLEAR);
        set_motion(step.messages, Room::hall, true, now, now + FORCED_MOTION_CLEAR);
        if (ZigbeeDevice* door = zigbee_named(inc.target)) {
          door->state = true;
          report_zigbee(step.messages, *door, now);
        }
        break;
      case IncidentKind::cold_snap:
        break;  // continuous: see room_temperature_c and tick_incidents
      case IncidentKind::smoke:
        if (ZigbeeDevice* z = zigbee_named(inc.target)) {
          z->state = true;
          report_zigbee(step.messages, *z, now);
        }
        break;
      case IncidentKind::plug_offline:
        if (auto link = link_of(inc.target)) {
          link_up[*link] = false;
          step.links.emplace_back(*link, false);
          if (NativeDevice* n = native_named(*link)) n->power_cut = true;  // unplugged: it reboots
          for (auto& g : gen1) g.power_cut = g.power_cut || g.id == *link;
        } else if (ZigbeeDevice* z = zigbee_named(inc.target)) {
          emit(step.messages, Z2M_LINK, std::string(Z2M_BASE) + "/" + z->name + "/availability",
               payload::z2m_availability(false), 1, true);
          z->available = false;
        }
        break;
      case IncidentKind::broker_outage:
        for (auto& [key, up] : link_up) {
          up = false;
          step.links.emplace_back(key, false);
        }
        break;
    }
  }

  void end_incident(Step& step, IncidentState& s, WallTime now) {
    const Incident& inc = s.incident;
    step.log.push_back("incident " + std::string(to_string(inc.kind)) + " (" + inc.target + ") ends");
    switch (inc.kind) {
      case IncidentKind::fall:
      case IncidentKind::cold_snap:
        break;
      case IncidentKind::night_wandering:
        if (ZigbeeDevice* door = zigbee_named(inc.target)) {
          door->state = false;
          report_zigbee(step.messages, *door, now);
        }
        set_motion(step.messages, Room::hall, true, now, now + FORCED_MOTION_CLEAR);
        break;
      case IncidentKind::smoke:
        if (ZigbeeDevice* z = zigbee_named(inc.target)) {
          z->state = false;
          report_zigbee(step.messages, *z, now);
        }
        break;
      case IncidentKind::plug_offline:
        if (auto link = link_of(inc.target)) {
          link_up[*link] = true;
          step.links.emplace_back(*link, true);
        } else if (ZigbeeDevice* z = zigbee_named(inc.target)) {
          z->available = true;
          emit(step.messages, Z2M_LINK, std::string(Z2M_BASE) + "/" + z->name + "/availability",
               payload::z2m_availability(true), 1, true);
          report_zigbee(step.messages, *z, now);
        }
        break;
      case IncidentKind::broker_outage:
        for (auto& [key, up] : link_up) {
          up = true;
          step.links.emplace_back(key, true);
        }
        break;
    }
  }

  void tick_incidents(Step& step, WallTime now) {
    for (auto& s : incidents) {
      if (!s.started && now >= s.incident.at) {
        s.started = true;
        start_incident(step, s, now);
      }
      if (s.started && !s.ended && now >= s.incident.end()) {
        s.ended = true;
        end_incident(step, s, now);
      }
    }
    for (auto& s : incidents) {
      if (!s.started) continue;
      const Incident& inc = s.incident;
      const bool recovering = s.ended && now < inc.end() + std::min<WallTime>(inc.duration / 4, 5min);
      if (inc.kind == IncidentKind::cold_snap && (!s.ended || recovering)) {
        // The resident is at home, in the cold room (that is what makes it a cold *home*).
        if (!s.ended && !active(IncidentKind::fall) && due(s.last_poke, now, 20s)) {
          s.last_poke = now;
          if (ZigbeeDevice* z = zigbee_named(inc.target)) {
            set_motion(step.messages, z->place, true, now, now + FORCED_MOTION_CLEAR);
          } else if (NativeDevice* n = native_named(inc.target); n != nullptr && !n->plug) {
            set_motion(step.messages, Room::bathroom, true, now, now + FORCED_MOTION_CLEAR);
          } else if (EsphomeNode* e = esphome_named(inc.target)) {
            set_motion(step.messages, e->place, true, now, now + FORCED_MOTION_CLEAR);
          }
        }
        if (EsphomeNode* e = esphome_named(inc.target); e != nullptr && due(e->last_report, now, INCIDENT_REPORT))
          report_esphome(step.messages, *e, now);
        if (ZigbeeDevice* z = zigbee_named(inc.target); z != nullptr && due(z->last_report, now, INCIDENT_REPORT))
          report_zigbee(step.messages, *z, now);
        if (NativeDevice* n = native_named(inc.target); n != nullptr && due(n->last_report, now, INCIDENT_REPORT))
          report_native(step.messages, *n, now);
      }
      if (inc.kind == IncidentKind::smoke && !s.ended) {
        if (ZigbeeDevice* z = zigbee_named(inc.target); z != nullptr && due(z->last_report, now, 10s))
          report_zigbee(step.messages, *z, now);
      }
    }
  }

  // ---- the main step ----
  Step advance(WallTime now) {
    Step step;
    if (now < wall) now = wall;
    wall = now;
    const DataTime target =
        opt.start + DataTime{static_cast<std::int64_t>(static_cast<double>(now.count()) * opt.speed)};
    while (data < target) {
      const DataTime dt = std::min(DataTime{60'000}, target - data);
      const DataTime from = data;
      integrate(from, dt);
      thermal->advance(from + dt);
      data = from + dt;
      for (const auto& e : events(from, data)) apply(step.messages, e, now);
    }
    tick_incidents(step, now);
    // Forced detections clear; then periodic reports.
    for (auto& z : zigbee) {
      if (z.clear_at && now >= *z.clear_at) {
        z.clear_at.reset();
        if (z.state) {
          z.state = false;
          report_zigbee(step.messages, z, now);
        }
      }
    }
    for (auto& n : native) {
      if (n.clear_at && now >= *n.clear_at) {
        n.clear_at.reset();
        if (n.motion) {
          n.motion = false;
          report_native(step.messages, n, now);
        }
      }
    }
    const WallTime tele = wall_period(opt.tele_period);
    const WallTime climate = wall_period(opt.climate_period);
    for (auto& p : tasmota) {
      if (due(p.last_report, now, tele)) report_tasmota(step.messages, p, now);
    }
    for (auto& s : shelly) {
      if (due(s.last_report, now, tele)) report_shelly(step.messages, s, now);
    }
    for (auto& g : gen1) {
      if (!g.power_cut && due(g.last_report, now, tele)) report_gen1(step.messages, g, now);  // booted only
    }
    for (auto& e : esphome) {
      if (due(e.last_report, now, tele)) report_esphome(step.messages, e, now);
    }
    for (auto& z : zigbee) {
      if (due(z.last_report, now, climate)) report_zigbee(step.messages, z, now);
    }
    for (auto& n : native) {
      if (due(n.last_report, now, tele)) report_native(step.messages, n, now);
    }
    return step;
  }

  // ---- commands ----
  std::vector<Outgoing> on_message(std::string_view key, std::string_view topic, std::string_view payload,
                                   bool retained, WallTime now) {
    std::vector<Outgoing> out;
    ++stats.commands;
    for (auto& p : tasmota) {
      if (p.link() != key || topic != "cmnd/" + p.topic + "/POWER" || !p.has_relay) continue;
      // A real Tasmota acts on a retained command too (the "ghost switching" trap Hearth avoids by
      // never retaining its own commands).
      const auto want = payload::tasmota_power_command(payload, p.relay_on);
      if (!want) {
        ++stats.bad_commands;
        emit(out, key, "stat/" + p.topic + "/RESULT", R"({"Command":"Error"})", 0, false);
        return out;
      }
      p.relay_on = *want;
      if (!p.relay_on) p.power_w = 0.0;
      emit(out, key, "stat/" + p.topic + "/RESULT", payload::tasmota_result(p.relay_on), 0, false);
      emit(out, key, "stat/" + p.topic + "/POWER", payload::tasmota_power_text(p.relay_on), 0, false);
      return out;
    }
    for (auto& s : shelly) {
      if (s.prefix != key || topic != s.prefix + "/rpc") continue;
      const auto rpc = payload::shelly_parse_rpc(payload);
      if (!rpc) {
        ++stats.bad_commands;
        return out;  // not a frame: a Shelly drops it
      }
      const std::string reply_topic = (rpc->src.empty() ? std::string("unknown") : rpc->src) + "/rpc";
      const bool was_on = s.sw.output;
      if (rpc->switch_id != 0 ||
          !(rpc->method == "Switch.Set" ? rpc->on.has_value() : rpc->method == "Switch.Toggle")) {
        ++stats.bad_commands;
        emit(out, key, reply_topic,
             rpc->method == "Switch.Set" || rpc->method == "Switch.Toggle"
                 ? payload::shelly_rpc_error(s.prefix, *rpc, -103, "Invalid argument")
                 : payload::shelly_rpc_error(s.prefix, *rpc, 404, "No handler for " + rpc->method),
             0, false);
        return out;
      }
      s.sw.output = rpc->method == "Switch.Set" ? *rpc->on : !s.sw.output;
      s.sw.source = "MQTT";
      if (!s.sw.output) s.sw.apower_w = 0.0;
      emit(out, key, reply_topic, payload::shelly_rpc_result(s.prefix, *rpc, was_on), 0, false);
      report_shelly(out, s, now);
      return out;
    }
    for (auto& g : gen1) {
      if (g.id != key) continue;
      if (topic == g.topic("relay/0/command")) {
        // Like Tasmota, a Gen1 plug acts on a retained command too.
        const auto want = payload::shelly_gen1_relay_command(payload, g.relay_on);
        if (!want) {
          ++stats.bad_commands;  // the firmware ignores it
          return out;
        }
        g.relay_on = *want;
        g.power_w = g.relay_on ? demand_w(g.appliance, data).value_or(0.0) : 0.0;
        report_gen1_relay(out, g);  // published at once on a change
        return out;
      }
      if ((topic == "shellies/command" || topic == g.topic("command")) && payload == "announce") {
        announce_gen1(out, g);
        return out;
      }
      ++stats.bad_commands;  // update_fw, reboot, ...: not simulated
      return out;
    }
    for (auto& e : esphome) {
      if (e.node != key) continue;
      if (topic == "homeassistant/status" && payload == "online") {
        // Home Assistant (re)started: the node sends its discovery configs and states again.
        discovery_esphome(out, e);
        report_esphome(out, e, now);
        return out;
      }
      if (topic != "homeassistant/status") ++stats.bad_commands;
      return out;
    }
    for (auto& n : native) {
      char cmd_topic[HFW_MAX_TOPIC];
      (void)hfw_topic(cmd_topic, sizeof cmd_topic, n.id.c_str(), HFW_TOPIC_CMD);
      if (n.id != key || topic != cmd_topic) continue;
      std::array<hfw_relay, 2> relays = n.relays;
      hfw_ack ack;
      const std::size_t relay_count = n.plug ? relays.size() : 0;
      // The firmware library decides, including the safety rule (an essential relay never goes off).
      if (hfw_handle_command(payload.data(), payload.size(), retained ? 1 : 0, relays.data(), relay_count, &ack) !=
          HFW_OK) {
        ++stats.bad_commands;  // retained or malformed: ignored, not acknowledged
        return out;
      }
      const bool changed = relays[0].on != n.relays[0].on || relays[1].on != n.relays[1].on;
      n.relays = relays;
      char buf[HFW_MAX_PAYLOAD + 1];
      char ack_topic[HFW_MAX_TOPIC];
      std::size_t len = 0;
      (void)hfw_topic(ack_topic, sizeof ack_topic, n.id.c_str(), HFW_TOPIC_ACK);
      if (hfw_encode_ack(buf, sizeof buf, &ack, &len) == HFW_OK)
        emit(out, key, ack_topic, std::string(buf, len), 1, false);
      if (changed) {
        n.power_w[0] = n.relays[0].on ? routine.power_w(Appliance::fridge, data) : 0.0;
        n.power_w[1] = n.relays[1].on ? routine.power_w(Appliance::lamp, data) : 0.0;
        report_native(out, n, now);  // a relay change is reported at once
      }
      return out;
    }
    ++stats.bad_commands;
    return out;
  }
};

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;

core::Result<std::unique_ptr<Simulator>> Simulator::create(SimOptions options) {
  if (!(options.speed > 0.0) || options.speed > 1e6) return core::make_error("speed must be in (0, 1000000]");
  auto impl = std::make_unique<Impl>(std::move(options));
  if (!impl->opt.datasets_dir.empty()) {
    auto refit = RefitPower::load(impl->opt.datasets_dir);
    if (!refit) return refit.error();
    impl->refit = std::move(*refit);
    auto rec = RecordedEvents::load(impl->opt.datasets_dir, impl->opt.events);
    if (!rec) return rec.error();
    impl->recorded = std::move(*rec);
  }
  impl->build();
  for (const auto& s : impl->incidents) {
    if (auto why = impl->check_target(s.incident); !why.empty()) return core::make_error(why);
  }
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

const std::vector<Link>& Simulator::links() const { return impl_->links; }
std::vector<HearthDevice> Simulator::hearth_devices() const { return impl_->hearth_devices(); }
std::vector<Outgoing> Simulator::on_connected(std::string_view link, WallTime now) { return impl_->births(link, now); }
Step Simulator::advance(WallTime now) { return impl_->advance(now); }
std::vector<Outgoing> Simulator::on_message(std::string_view link, std::string_view topic, std::string_view payload,
                                            bool retained, WallTime now) {
  return impl_->on_message(link, topic, payload, retained, now);
}
core::Result<void> Simulator::schedule(Incident incident, WallTime now) {
  if (auto why = impl_->check_target(incident); !why.empty()) return core::make_error(why);
  incident.at += now;
  impl_->incidents.push_back({std::move(incident), false, false, std::nullopt});
  return {};
}
DataTime Simulator::data_time() const { return impl_->data; }
const SimStats& Simulator::stats() const { return impl_->stats; }

std::string Simulator::source_summary() const {
  std::string s;
  if (impl_->refit) {
    s = "plugs: REFIT House 2 (" + std::to_string(impl_->refit->minutes()) +
        " minutes, CC BY 4.0, Murray et al. 2017); motion and front door: " + impl_->recorded->name() + " (" +
        std::to_string(impl_->recorded->size()) + " events, " +
        std::to_string(impl_->recorded->period().count() / DAY.count()) + " days)";
  } else {
    s = "the built-in synthetic home (seed " + std::to_string(impl_->opt.seed) + ")";
  }
  return s + "; TV, lamp, fridge and heating: synthetic";
}

}  // namespace hearth::sim
