#include "bench/wellbeing/datasets.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

namespace hearth::bench::wellbeing {

namespace {

using core::Metric;
using core::Reading;
using core::TimePoint;

// Power drawn by the Ordonez "electric" sensors while on (the dataset only says on/off).
constexpr double MICROWAVE_W = 1000.0;
constexpr double TOASTER_W = 900.0;
constexpr double OTHER_APPLIANCE_W = 500.0;

Reading reading(const std::string& device, Metric metric, double value, TimePoint ts) {
  return Reading{
      .device_id = device, .metric = metric, .value = value, .ts = ts, .counter_reset = false, .retained = false};
}

void add_device(Recording& rec, const std::string& id, const std::string& room, const std::string& kind) {
  const bool known = std::any_of(rec.devices.begin(), rec.devices.end(), [&](const auto& d) { return d.id == id; });
  if (!known) {
    rec.devices.push_back(
        rules::DeviceFacts{.id = id, .room = room, .kind = kind, .name = "", .essential = false, .switchable = false});
  }
}

void sort_events(Recording& rec) {
  std::stable_sort(rec.events.begin(), rec.events.end(),
                   [](const Reading& a, const Reading& b) { return a.ts < b.ts; });
}

// CASAS areas as Hearth rooms. The lounge chair zone is part of the living room.
std::string casas_room(const std::string& area) {
  static const std::map<std::string, std::string> ROOMS{{"Kitchen", "Kitchen"},         {"Bathroom", "Bathroom"},
                                                        {"Bedroom", "Bedroom"},         {"LivingRoom", "Living room"},
                                                        {"LoungeChair", "Living room"}, {"WorkArea", "Work area"},
                                                        {"OutsideDoor", "Entrance"}};
  auto it = ROOMS.find(area);
  return it == ROOMS.end() ? area : it->second;
}

std::string ordonez_room(const std::string& place) { return place == "Living" ? "Living room" : place; }

}  // namespace

core::Result<TimePoint> parse_local_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0;
  std::istringstream in(text);
  char dash1 = 0, dash2 = 0, colon1 = 0, colon2 = 0;
  in >> y >> dash1 >> mo >> dash2 >> d;
  in.get(sep);
  in >> h >> colon1 >> mi >> colon2 >> s;
  if (!in || dash1 != '-' || dash2 != '-' || (sep != ' ' && sep != 'T') || colon1 != ':' || colon2 != ':') {
    return core::make_error("bad time '" + text + "'");
  }
  long long ms = 0;
  if (in.peek() == '.') {
    in.get();
    // Trailing zeros were dropped from CASAS fractions: ".14962" is .149620 s.
    std::string digits;
    while (std::isdigit(in.peek()) != 0 && digits.size() < 9) digits.push_back(static_cast<char>(in.get()));
    if (digits.empty()) return core::make_error("bad fraction in '" + text + "'");
    digits.resize(6, '0');
    ms = std::stoll(digits.substr(0, 3));
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return core::make_error("bad date in '" + text + "'");
  const auto t = std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                 std::chrono::seconds{s} + std::chrono::milliseconds{ms};
  return TimePoint{std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())};
}

core::Result<Recording> load_casas(const std::filesystem::path& datasets_dir) {
  const auto path = datasets_dir / "casas_al_smarthome_sample" / "casas_al_data.txt";
  std::ifstream in(path);
  if (!in) return core::make_error("cannot read " + path.string());
  Recording rec;
  rec.name = "casas_al";
  rec.source = path.string();
  rec.meal_rooms = {"Kitchen"};  // no appliance plugs in this home: kitchen motion stands in for meals
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++rec.lines;
    std::istringstream fields(line);
    std::string date, time, area, sensor, value;
    if (!(fields >> date >> time >> area >> sensor >> value)) {
      return core::make_error(path.string() + ":" + std::to_string(rec.lines) + ": expected 6 fields");
    }
    auto ts = parse_local_time(date + " " + time);
    if (!ts) return core::make_error(path.string() + ":" + std::to_string(rec.lines) + ": " + ts.error().message);
    // Lights are switched by hand but say nothing a motion sensor in the same room does not.
    if (sensor.ends_with("Light")) {
      ++rec.ignored;
      continue;
    }
    const std::string room = casas_room(area);
    const std::string id = "casas:" + area + "/" + sensor;
    if (value == "OPEN" || value == "CLOSE") {
      add_device(rec, id, room, "entrance_door");
      rec.events.push_back(reading(id, Metric::contact_open, value == "OPEN" ? 1.0 : 0.0, *ts));
    } else if (value == "ON" || value == "OFF") {
      add_device(rec, id, room, "motion");
      rec.events.push_back(reading(id, Metric::motion, value == "ON" ? 1.0 : 0.0, *ts));
    } else {
      ++rec.ignored;
    }
  }
  sort_events(rec);
  return rec;
}

core::Result<Recording> load_ordonez(const std::filesystem::path& datasets_dir, char home) {
  const std::string file = std::string("ordonez") + home + "_sensors.csv";
  const auto path = datasets_dir / "ordonez_adl" / file;
  std::ifstream in(path);
  if (!in) return core::make_error("cannot read " + path.string());
  Recording rec;
  rec.name = std::string("ordonez_") + static_cast<char>(std::tolower(home));
  rec.source = path.string();
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    ++rec.lines;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) f.push_back(cell);
    if (f.size() != 5)
      return core::make_error(path.string() + ":" + std::to_string(rec.lines + 1) + ": expected 5 fields");
    auto start = parse_local_time(f[0]);
    auto end = parse_local_time(f[1]);
    if (!start || !end) return core::make_error(path.string() + ": bad time on line " + std::to_string(rec.lines + 1));
    if (*end <= *start) *end = *start + std::chrono::seconds{1};
    const std::string& location = f[2];
    const std::string& type = f[3];
    const std::string room = ordonez_room(f[4]);
    const std::string id = "ordonez:" + location + "@" + f[4];
    if (type == "PIR" || type == "Pressure" || type == "Flush") {
      // Presence (PIR), sitting down or lying down (pressure mats), a flush: motion in that room.
      add_device(rec, id, room, "motion");
      rec.events.push_back(reading(id, Metric::motion, 1.0, *start));
      rec.events.push_back(reading(id, Metric::motion, 0.0, *end));
    } else if (type == "Magnetic") {
      const std::string kind = location == "Fridge"     ? "fridge_door"
                               : location == "Maindoor" ? "entrance_door"
                                                        : "other";
      add_device(rec, id, room, kind);
      rec.events.push_back(reading(id, Metric::contact_open, 1.0, *start));
      rec.events.push_back(reading(id, Metric::contact_open, 0.0, *end));
    } else if (type == "Electric") {
      const std::string kind = location == "Microwave" ? "microwave" : location == "Toaster" ? "toaster" : "other";
      const double power_w = kind == "microwave" ? MICROWAVE_W : kind == "toaster" ? TOASTER_W : OTHER_APPLIANCE_W;
      add_device(rec, id, room, kind);
      rec.events.push_back(reading(id, Metric::power_w, power_w, *start));
      rec.events.push_back(reading(id, Metric::power_w, 0.0, *end));
    } else {
      ++rec.ignored;
    }
  }
  sort_events(rec);
  return rec;
}

}  // namespace hearth::bench::wellbeing
