#pragma once
// Activity events derived from readings: appliance use from power, room presence from motion,
// entrance-door and other contact openings; plus the "signs of life" the routine model counts.
// Pure logic: readings and device facts in, events out; the clock is the readings' and ticks' time.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/reading.h"
#include "core/time.h"
#include "rules/rule.h"
#include "rules/wellbeing_config.h"

namespace hearth::rules {

enum class ActivityKind : std::uint8_t {
  appliance_use,  // a device of a known kind drew power for at least its min_on
  room_presence,  // motion in one room, visits less than presence_gap apart merged
  entrance_door,  // an entrance door opened (and closed, when the sensor said so)
  fridge_door,
  contact,      // any other contact (cupboard, cabinet)
  out_of_home,  // from the wellbeing rule: left by the entrance door, back at the next indoor activity
};

std::string_view to_string(ActivityKind kind);
std::optional<ActivityKind> activity_kind_from_string(std::string_view s);

// One stored activity event. The gateway appends these to its history as they arrive; each is
// complete (never updated later).
struct ActivityEvent {
  ActivityKind kind = ActivityKind::room_presence;
  std::string device_id;  // empty for room presence and out-of-home
  std::string room;
  std::string device_kind;  // "kettle", "entrance_door", ... (empty for presence)
  core::TimePoint start{};
  core::TimePoint end{};
  double peak_power_w = 0.0;   // appliance use
  std::uint32_t triggers = 0;  // motion triggers in a presence visit

  friend bool operator==(const ActivityEvent&, const ActivityEvent&) = default;
};

void to_json(nlohmann::json& j, const ActivityEvent& e);
void from_json(const nlohmann::json& j, ActivityEvent& e);  // throws nlohmann::json::exception

// Where a sign of life happened, as the routine model sees rooms.
enum class Place : std::uint8_t { day, bedroom, bathroom, entrance };

// A sign of life, at the moment it is certain: motion=1, a contact opening, an appliance use
// confirmed (stamped with its start).
struct ActivitySign {
  core::TimePoint ts{};
  Place place = Place::day;
  bool meal = false;           // kettle/meal appliance, fridge door, or motion in a meal room
  bool entrance_door = false;  // an entrance door opened (for out-of-home)
};

Place classify_room(std::string_view room, const WellbeingConfig& config);

struct ActivityOutput {
  std::vector<ActivityEvent> events;
  std::vector<ActivitySign> signs;
};

// Turns readings into activity events and signs. Per-device and per-room state is bounded
// (max_devices, max_rooms); devices beyond it are ignored. Duplicate and late readings (not newer
// than the device's previous one of that metric) are ignored.
class ActivityDetector {
 public:
  explicit ActivityDetector(WellbeingConfig config, std::size_t max_devices = 2000, std::size_t max_rooms = 64);

  // facts may be nullptr (unknown device: motion and contacts still count, in no room).
  void on_reading(const core::Reading& reading, const DeviceFacts* facts, ActivityOutput& out);
  // Closes presence visits older than presence_gap and long-open contacts.
  void on_tick(core::TimePoint now, ActivityOutput& out);

 private:
  struct Appliance {
    std::optional<core::TimePoint> last_ts;
    const ApplianceUseProfile* profile = nullptr;
    std::optional<core::TimePoint> on_since;   // above on_w since
    std::optional<core::TimePoint> off_since;  // below off_w since, while a use may still continue
    bool confirmed = false;                    // on for min_on: sign emitted
    double peak_w = 0.0;
    std::string room;
    // Learned standby: the lowest draw seen today and yesterday (local days do not matter here).
    double floor_today_w = -1.0;
    double floor_before_w = -1.0;
    std::int64_t floor_day = 0;
  };
  struct Contact {
    std::optional<core::TimePoint> last_ts;
    std::optional<core::TimePoint> open_since;
    ActivityKind kind = ActivityKind::contact;
    std::string room;
    std::string device_kind;
  };
  struct Presence {
    core::TimePoint start{};
    core::TimePoint last{};
    std::uint32_t triggers = 0;
  };

  void on_power(const core::Reading& r, const DeviceFacts& facts, ActivityOutput& out);
  void on_motion(const core::Reading& r, const DeviceFacts* facts, ActivityOutput& out);
  void on_contact(const core::Reading& r, const DeviceFacts* facts, ActivityOutput& out);
  void close_contact(const std::string& device_id, Contact& c, core::TimePoint end, ActivityOutput& out) const;
  void finish_use(const std::string& device_id, Appliance& a, core::TimePoint end, ActivityOutput& out) const;
  const ApplianceUseProfile* profile_for(std::string_view kind) const;
  bool is_meal_kind(std::string_view kind) const;
  bool may_track(std::size_t size, bool known) const { return known || size < max_devices_; }

  WellbeingConfig config_;
  std::size_t max_devices_;
  std::size_t max_rooms_;
  std::map<std::string, Appliance, std::less<>> appliances_;
  std::map<std::string, Contact, std::less<>> contacts_;
  std::map<std::string, core::TimePoint, std::less<>> last_motion_ts_;  // per device, for duplicates
  std::map<std::string, Presence, std::less<>> presence_;               // per room
};

}  // namespace hearth::rules
