#include "rules/activity.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "rules/rule_util.h"

namespace hearth::rules {

using core::Metric;
using core::TimePoint;
using std::chrono::seconds;

namespace {

constexpr std::array KIND_NAMES{"appliance_use", "room_presence", "entrance_door",
                                "fridge_door",   "contact",       "out_of_home"};
// A door left open (or a sensor that never says "closed") is closed in the record after this.
constexpr auto MAX_CONTACT_OPEN = std::chrono::hours{1};
// An appliance that stops reporting while on is taken as off at its last reading after this.
constexpr auto MAX_USE_SILENCE = std::chrono::hours{1};

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.empty() || needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (detail::iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

bool room_in(std::string_view room, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return contains_ci(room, n); });
}

}  // namespace

std::vector<ApplianceUseProfile> default_appliance_profiles() {
  // Thresholds from typical UK appliances: a kettle draws 2-3 kW for 2-4 min; a microwave 0.8-1.2 kW;
  // a TV 30-150 W on and 0.5-15 W in standby (the learned standby lifts the threshold for the
  // latter); a washing machine dips to a few watts between phases.
  return {
      {.kind = "kettle", .on_w = 1000, .off_w = 100, .min_on = seconds{20}, .merge_gap = seconds{0}},
      {.kind = "microwave", .on_w = 400, .off_w = 50, .min_on = seconds{20}, .merge_gap = seconds{60}},
      {.kind = "cooker", .on_w = 300, .off_w = 50, .min_on = seconds{60}, .merge_gap = seconds{300}},
      {.kind = "toaster", .on_w = 400, .off_w = 50, .min_on = seconds{30}, .merge_gap = seconds{0}},
      {.kind = "tv", .on_w = 30, .off_w = 15, .min_on = seconds{120}, .merge_gap = seconds{120}},
      {.kind = "washing_machine", .on_w = 100, .off_w = 10, .min_on = seconds{300}, .merge_gap = seconds{900}},
      {.kind = "lamp", .on_w = 3, .off_w = 1.5, .min_on = seconds{30}, .merge_gap = seconds{0}},
  };
}

std::string_view to_string(ActivityKind kind) { return KIND_NAMES.at(static_cast<std::size_t>(kind)); }

std::optional<ActivityKind> activity_kind_from_string(std::string_view s) {
  for (std::size_t i = 0; i < KIND_NAMES.size(); ++i) {
    if (s == KIND_NAMES[i]) return static_cast<ActivityKind>(i);
  }
  return std::nullopt;
}

void to_json(nlohmann::json& j, const ActivityEvent& e) {
  j = nlohmann::json{{"kind", to_string(e.kind)},
                     {"device_id", e.device_id},
                     {"room", e.room},
                     {"device_kind", e.device_kind},
                     {"start_ms", core::to_epoch_ms(e.start)},
                     {"end_ms", core::to_epoch_ms(e.end)}};
  if (e.kind == ActivityKind::appliance_use) j["peak_power_w"] = e.peak_power_w;
  if (e.kind == ActivityKind::room_presence) j["triggers"] = e.triggers;
}

void from_json(const nlohmann::json& j, ActivityEvent& e) {
  const auto kind = activity_kind_from_string(j.at("kind").get<std::string>());
  if (!kind) throw nlohmann::json::other_error::create(501, "unknown activity kind", &j);
  e.kind = *kind;
  e.device_id = j.value("device_id", "");
  e.room = j.value("room", "");
  e.device_kind = j.value("device_kind", "");
  e.start = core::from_epoch_ms(j.at("start_ms").get<std::int64_t>());
  e.end = core::from_epoch_ms(j.at("end_ms").get<std::int64_t>());
  e.peak_power_w = j.value("peak_power_w", 0.0);
  e.triggers = j.value("triggers", 0U);
}

Place classify_room(std::string_view room, const WellbeingConfig& config) {
  if (room.empty()) return Place::day;
  if (room_in(room, config.bathroom_rooms)) return Place::bathroom;
  if (room_in(room, config.bedroom_rooms)) return Place::bedroom;
  if (room_in(room, config.entrance_rooms)) return Place::entrance;
  return Place::day;
}

ActivityDetector::ActivityDetector(WellbeingConfig config, std::size_t max_devices, std::size_t max_rooms)
    : config_(std::move(config)), max_devices_(max_devices), max_rooms_(max_rooms) {}

const ApplianceUseProfile* ActivityDetector::profile_for(std::string_view kind) const {
  for (const auto& p : config_.appliances) {
    if (p.kind == kind) return &p;
  }
  return nullptr;
}

bool ActivityDetector::is_meal_kind(std::string_view kind) const { return detail::contains(config_.meal_kinds, kind); }

void ActivityDetector::on_reading(const core::Reading& r, const DeviceFacts* facts, ActivityOutput& out) {
  if (r.retained) return;
  switch (r.metric) {
    case Metric::power_w:
      if (facts != nullptr) on_power(r, *facts, out);
      break;
    case Metric::motion:
      on_motion(r, facts, out);
      break;
    case Metric::contact_open:
      on_contact(r, facts, out);
      break;
    default:
      break;
  }
}

void ActivityDetector::on_power(const core::Reading& r, const DeviceFacts& facts, ActivityOutput& out) {
  const ApplianceUseProfile* profile = profile_for(facts.kind);
  if (profile == nullptr) return;
  auto it = appliances_.find(r.device_id);
  if (it == appliances_.end()) {
    if (!may_track(appliances_.size(), false)) return;
    it = appliances_.emplace(r.device_id, Appliance{}).first;
  }
  Appliance& a = it->second;
  if (a.last_ts && r.ts <= *a.last_ts) return;
  a.last_ts = r.ts;
  a.profile = profile;
  a.room = facts.room;

  // Learned standby: the lowest draw over roughly the last one to two days.
  const std::int64_t day = std::chrono::floor<std::chrono::days>(r.ts).time_since_epoch().count();
  if (day != a.floor_day) {
    a.floor_before_w = a.floor_today_w;
    a.floor_today_w = -1.0;
    a.floor_day = day;
  }
  // A draw above on_w is use, never standby (the first reading may come mid-boil).
  if (r.value <= profile->on_w) {
    a.floor_today_w = a.floor_today_w < 0 ? r.value : std::min(a.floor_today_w, r.value);
  }
  double standby_w = 0.0;
  if (a.floor_today_w >= 0 || a.floor_before_w >= 0) {
    standby_w = std::min(a.floor_today_w < 0 ? a.floor_before_w : a.floor_today_w,
                         a.floor_before_w < 0 ? a.floor_today_w : a.floor_before_w);
  }
  const double on_w = std::max(profile->on_w, 2.0 * standby_w + 5.0);
  const double off_w = std::max(profile->off_w, 1.5 * standby_w + 2.0);

  if (r.value > on_w) {
    if (!a.on_since) {
      a.on_since = r.ts;
      a.peak_w = 0.0;
      a.confirmed = false;
    }
    a.off_since.reset();
    a.peak_w = std::max(a.peak_w, r.value);
    if (!a.confirmed && r.ts - *a.on_since >= profile->min_on) {
      a.confirmed = true;
      out.signs.push_back({*a.on_since, classify_room(a.room, config_), is_meal_kind(facts.kind), false});
    }
  } else if (r.value < off_w && a.on_since) {
    if (!a.off_since) a.off_since = r.ts;
    if (r.ts - *a.off_since >= profile->merge_gap) finish_use(r.device_id, a, *a.off_since, out);
  }
}

void ActivityDetector::finish_use(const std::string& device_id, Appliance& a, TimePoint end,
                                  ActivityOutput& out) const {
  const TimePoint start = *a.on_since;
  if (end - start >= a.profile->min_on) {
    const bool meal = is_meal_kind(a.profile->kind);
    if (!a.confirmed) out.signs.push_back({start, classify_room(a.room, config_), meal, false});
    out.events.push_back({.kind = ActivityKind::appliance_use,
                          .device_id = device_id,
                          .room = a.room,
                          .device_kind = a.profile->kind,
                          .start = start,
                          .end = end,
                          .peak_power_w = a.peak_w,
                          .triggers = 0});
  }
  a.on_since.reset();
  a.off_since.reset();
  a.confirmed = false;
}

void ActivityDetector::on_motion(const core::Reading& r, const DeviceFacts* facts, ActivityOutput& out) {
  auto last = last_motion_ts_.find(r.device_id);
  if (last == last_motion_ts_.end()) {
    if (!may_track(last_motion_ts_.size(), false)) return;
    last = last_motion_ts_.emplace(r.device_id, r.ts).first;
  } else {
    if (r.ts <= last->second) return;
    last->second = r.ts;
  }
  if (r.value < 0.5) return;
  const std::string room = facts != nullptr ? facts->room : "";
  const bool meal = !room.empty() && room_in(room, config_.meal_rooms);
  out.signs.push_back({r.ts, classify_room(room, config_), meal, false});

  auto it = presence_.find(room);
  if (it != presence_.end() && r.ts - it->second.last > config_.presence_gap) {
    out.events.push_back({.kind = ActivityKind::room_presence,
                          .device_id = "",
                          .room = room,
                          .device_kind = "",
                          .start = it->second.start,
                          .end = it->second.last,
                          .peak_power_w = 0.0,
                          .triggers = it->second.triggers});
    presence_.erase(it);
    it = presence_.end();
  }
  if (it == presence_.end()) {
    if (presence_.size() >= max_rooms_) return;
    it = presence_.emplace(room, Presence{r.ts, r.ts, 0}).first;
  }
  it->second.last = std::max(it->second.last, r.ts);
  ++it->second.triggers;
}

void ActivityDetector::on_contact(const core::Reading& r, const DeviceFacts* facts, ActivityOutput& out) {
  auto it = contacts_.find(r.device_id);
  if (it == contacts_.end()) {
    if (!may_track(contacts_.size(), false)) return;
    it = contacts_.emplace(r.device_id, Contact{}).first;
  }
  Contact& c = it->second;
  if (c.last_ts && r.ts <= *c.last_ts) return;
  c.last_ts = r.ts;
  const std::string room = facts != nullptr ? facts->room : "";
  const std::string kind = facts != nullptr ? facts->kind : "";
  const bool fridge = detail::contains(config_.fridge_kinds, kind);
  const bool entrance =
      !fridge && (detail::contains(config_.entrance_kinds, kind) || room_in(room, config_.entrance_rooms));
  const ActivityKind event_kind = fridge     ? ActivityKind::fridge_door
                                  : entrance ? ActivityKind::entrance_door
                                             : ActivityKind::contact;
  const bool open = r.value >= 0.5;
  if (open && !c.open_since) {
    c.open_since = r.ts;
    c.kind = event_kind;
    c.room = room;
    c.device_kind = fridge ? "fridge_door" : kind;
    const Place place = entrance ? Place::entrance : classify_room(room, config_);
    out.signs.push_back({r.ts, place, fridge, entrance});
  } else if (!open && c.open_since) {
    close_contact(r.device_id, c, r.ts, out);
  }
}

void ActivityDetector::close_contact(const std::string& device_id, Contact& c, TimePoint end,
                                     ActivityOutput& out) const {
  out.events.push_back({.kind = c.kind,
                        .device_id = device_id,
                        .room = c.room,
                        .device_kind = c.device_kind,
                        .start = *c.open_since,
                        .end = end,
                        .peak_power_w = 0.0,
                        .triggers = 0});
  c.open_since.reset();
}

void ActivityDetector::on_tick(TimePoint now, ActivityOutput& out) {
  for (auto it = presence_.begin(); it != presence_.end();) {
    if (now - it->second.last <= config_.presence_gap) {
      ++it;
      continue;
    }
    out.events.push_back({.kind = ActivityKind::room_presence,
                          .device_id = "",
                          .room = it->first,
                          .device_kind = "",
                          .start = it->second.start,
                          .end = it->second.last,
                          .peak_power_w = 0.0,
                          .triggers = it->second.triggers});
    it = presence_.erase(it);
  }
  for (auto& [id, a] : appliances_) {
    if (!a.on_since || a.profile == nullptr) continue;
    if (a.off_since && now - *a.off_since >= a.profile->merge_gap) {
      finish_use(id, a, *a.off_since, out);
    } else if (a.last_ts && now - *a.last_ts > MAX_USE_SILENCE) {
      finish_use(id, a, *a.last_ts, out);
    }
  }
  for (auto& [id, c] : contacts_) {
    // Recorded as open until now; the sign was given at the opening.
    if (c.open_since && now - *c.open_since > MAX_CONTACT_OPEN) close_contact(id, c, now, out);
  }
}

}  // namespace hearth::rules
