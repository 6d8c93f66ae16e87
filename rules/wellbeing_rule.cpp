// Wellbeing: today's activity goes into 5-minute bins (DaySummary); at local midnight the day is
// closed, scored and added to the RoutineModel, which relearns. Alerts compare today so far with
// the learned windows. See wellbeing_rule.h for the alert list and the persistence contract.
#include "rules/wellbeing_rule.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "rules/rule_util.h"

namespace hearth::rules {

using core::Severity;
using core::TimePoint;
using std::chrono::minutes;

namespace {

constexpr std::size_t MAX_ACTIVITY = 10'000;
constexpr int MINUTES_PER_DAY = 24 * 60;

int bin_of(int minute) { return std::clamp(minute / BIN_MIN, 0, BINS_PER_DAY - 1); }
int mins(minutes m) { return static_cast<int>(m.count()); }

std::string_view sensitivity_name(Sensitivity s) {
  switch (s) {
    case Sensitivity::low:
      return "low";
    case Sensitivity::high:
      return "high";
    case Sensitivity::normal:
      break;
  }
  return "normal";
}

nlohmann::json optional_ms(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(core::to_epoch_ms(*t)) : nlohmann::json(nullptr);
}

std::optional<TimePoint> ms_from(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return core::from_epoch_ms(j[key].get<std::int64_t>());
}

}  // namespace

WellbeingRule::WellbeingRule(WellbeingConfig config, minutes utc_offset)
    : config_(std::move(config)), utc_offset_(utc_offset), detector_(config_), model_(config_) {}

std::string WellbeingRule::alert_id(std::string_view kind, LocalDay day) const {
  return "wellbeing:" + std::string(kind) + ":" + format_date(day);
}

void WellbeingRule::on_reading(const core::Reading& r, RuleContext& ctx) {
  roll_to(ctx.now(), ctx);
  last_reading_ = std::max(last_reading_.value_or(r.ts), r.ts);
  ActivityOutput out;
  detector_.on_reading(r, ctx.device(r.device_id), out);
  for (auto& e : out.events) activity_.push_back(std::move(e));
  for (const auto& s : out.signs) on_sign(s, ctx);
  if (activity_.size() > MAX_ACTIVITY) activity_.erase(activity_.begin(), activity_.end() - MAX_ACTIVITY);
}

void WellbeingRule::on_tick(RuleContext& ctx) {
  const TimePoint now = ctx.now();
  roll_to(now, ctx);
  mark_observed(now, ctx);
  ActivityOutput out;
  detector_.on_tick(now, out);
  for (auto& e : out.events) activity_.push_back(std::move(e));
  for (const auto& s : out.signs) on_sign(s, ctx);
  if (activity_.size() > MAX_ACTIVITY) activity_.erase(activity_.begin(), activity_.end() - MAX_ACTIVITY);
  update_absence(now);
  if (!alerts_allowed(now)) return;
  check_late(now, ctx, false);
  check_late(now, ctx, true);
  check_night(now, ctx);
  check_absence(now, ctx);
  check_bathroom(now, ctx);
}

void WellbeingRule::roll_to(TimePoint now, RuleContext& ctx) {
  const LocalDay day = local_day(now, utc_offset_);
  if (!started_) {
    started_ = true;
    today_ = DaySummary{};
    today_.day = day;
    today_.away = away_;
    return;
  }
  if (day <= today_.day) return;
  const bool next_day = day == today_.day + 1;
  const bool evening_night_raised = flags_.evening_night_raised;
  close_today(ctx);
  today_ = DaySummary{};
  today_.day = day;
  today_.away = away_;
  flags_ = DayFlags{};
  flags_.night_raised = next_day && evening_night_raised;
}

void WellbeingRule::close_today(RuleContext& ctx) {
  // Scored against the model it is about to join, so an unusual day does not excuse itself.
  if (!model_.learned().warming_up && is_valid(today_, config_)) today_.score = model_.score(today_);
  model_.add_day(today_);
  check_trend(ctx);
}

void WellbeingRule::set_bin(DayBins& bins, TimePoint t) {
  if (local_day(t, utc_offset_) != today_.day) return;  // a sign stamped yesterday (late confirmation)
  bins.set(static_cast<std::size_t>(bin_of(local_minute(t, utc_offset_))));
}

void WellbeingRule::mark_observed(TimePoint now, RuleContext& ctx) {
  const bool contiguous = last_tick_ && ctx.observing_since() <= *last_tick_;
  if (live(now)) {
    TimePoint from = contiguous ? *last_tick_ : now;
    if (local_day(from, utc_offset_) != today_.day) from = local_midnight(today_.day, utc_offset_);
    const int last = bin_of(local_minute(now, utc_offset_));
    for (int b = bin_of(local_minute(from, utc_offset_)); b <= last; ++b)
      today_.observed.set(static_cast<std::size_t>(b));
  }
  last_tick_ = now;
}

bool WellbeingRule::live(TimePoint now) const { return last_reading_ && now - *last_reading_ <= config_.max_silence; }

bool WellbeingRule::alerts_allowed(TimePoint now) const { return !away_ && !model_.learned().warming_up && live(now); }

void WellbeingRule::on_sign(const ActivitySign& sign, RuleContext& ctx) {
  switch (sign.place) {
    case Place::day:
    case Place::entrance:
      set_bin(today_.day_room, sign.ts);
      break;
    case Place::bathroom:
      set_bin(today_.bathroom, sign.ts);
      break;
    case Place::bedroom:
      set_bin(today_.bedroom, sign.ts);
      break;
  }
  if (sign.meal) set_bin(today_.meal, sign.ts);

  // Out of the home: left by the entrance door; back at the door or at any indoor activity.
  if (sign.entrance_door) {
    if (out_since_) end_absence(sign.ts, ctx);
    door_at_ = sign.ts;
  } else if (sign.place != Place::entrance) {
    if (out_since_) end_absence(sign.ts, ctx);
    door_at_.reset();
  }

  const bool today = local_day(sign.ts, utc_offset_) == today_.day;
  const bool after_start = local_minute(sign.ts, utc_offset_) >= model_.learned().day_start_min;
  if (sign.place == Place::day || sign.place == Place::entrance) {
    last_day_sign_ = std::max(last_day_sign_.value_or(sign.ts), sign.ts);
    // Seen up: a not-up alert (also one restored from before a restart) has ended.
    if (today && after_start && !flags_.up_seen) {
      flags_.up_seen = true;
      ctx.clear(alert_id("not_up", today_.day), sign.ts);
    }
  }
  if (sign.meal && today && after_start && !flags_.meal_seen) {
    flags_.meal_seen = true;
    ctx.clear(alert_id("no_meal", today_.day), sign.ts);
  }
}

void WellbeingRule::update_absence(TimePoint now) {
  if (!out_since_ && door_at_ && now - *door_at_ >= config_.out_after) out_since_ = door_at_;
  if (!out_since_) return;
  const TimePoint from = std::max(*out_since_, local_midnight(today_.day, utc_offset_));
  if (from > now) return;
  const int last = bin_of(local_minute(now, utc_offset_));
  for (int b = bin_of(local_minute(from, utc_offset_)); b <= last; ++b) today_.out.set(static_cast<std::size_t>(b));
}

void WellbeingRule::end_absence(TimePoint at, RuleContext& ctx) {
  activity_.push_back({.kind = ActivityKind::out_of_home,
                       .device_id = "",
                       .room = "",
                       .device_kind = "",
                       .start = *out_since_,
                       .end = at,
                       .peak_power_w = 0.0,
                       .triggers = 0});
  update_absence(at);
  if (absence_alert_) ctx.clear(*absence_alert_, at);
  absence_alert_.reset();
  out_since_.reset();
  door_at_.reset();
}

std::optional<int> WellbeingRule::up_min_today() const {
  return got_up_min(today_, model_.learned().day_start_min, config_);
}

bool WellbeingRule::maybe_up_now(TimePoint now) const {
  // Day-room activity too recent to be confirmed as "up" yet: give it up_confirm before alerting.
  return last_day_sign_ && local_day(*last_day_sign_, utc_offset_) == today_.day &&
         local_minute(*last_day_sign_, utc_offset_) >= model_.learned().day_start_min &&
         now - *last_day_sign_ <= config_.up_confirm;
}

double WellbeingRule::morning_coverage(TimePoint now) const {
  const int from = bin_of(model_.learned().day_start_min);
  const int to = bin_of(local_minute(now, utc_offset_));
  if (to < from) return 1.0;
  int seen = 0;
  for (int b = from; b <= to; ++b) seen += today_.observed[static_cast<std::size_t>(b)];
  return static_cast<double>(seen) / (to - from + 1);
}

AlertCandidate WellbeingRule::candidate(std::string kind, std::string id_subject, Severity severity,
                                        TimePoint trigger) const {
  AlertCandidate c;
  c.id = "wellbeing:" + kind + ":" + id_subject;
  c.rule = "wellbeing";
  c.kind = "wellbeing";
  c.severity = severity;
  c.trigger_ts = trigger;
  c.message_key = "wellbeing_" + kind;
  return c;
}

void WellbeingRule::check_late(TimePoint now, RuleContext& ctx, bool meal) {
  const LearnedRoutine& l = model_.learned();
  const TimeWindow& window = meal ? l.first_meal : l.got_up;
  const TimeStats& stats = window.for_day(today_.day);
  const auto threshold = late_threshold_min(stats, config_, meal);
  const int minute = local_minute(now, utc_offset_);
  if (!threshold || minute < *threshold) return;
  const bool up = up_min_today().has_value() || maybe_up_now(now);
  if (meal) {
    // Not up at all is the not-up alert's business; one incident, one alert.
    if (!up || first_meal_min(today_, l.day_start_min)) return;
  } else if (up) {
    return;
  }
  if (out_since_) return;  // out of the home: the absence check covers it
  // Silence is not inactivity: the morning so far must have been observed.
  if (morning_coverage(now) < config_.min_day_coverage) return;
  bool& raised = meal ? flags_.no_meal_raised : flags_.not_up_raised;
  bool& urgent = meal ? flags_.no_meal_urgent : flags_.not_up_urgent;
  const int urgent_at = *threshold + mins(config_.urgent_after);
  const bool make_urgent = minute >= urgent_at;
  if (raised && (urgent || !make_urgent)) return;
  const std::string kind = meal ? "no_meal" : "not_up";
  AlertCandidate c = candidate(kind, format_date(today_.day), make_urgent ? Severity::urgent : Severity::warning, now);
  c.params = {{"usual", format_hhmm(stats.usual_min)},
              {"latest", format_hhmm(stats.latest_min)},
              {"days", std::to_string(stats.days)},
              {"time", format_hhmm(make_urgent ? urgent_at : *threshold)}};
  c.evidence = {{"usual_min", stats.usual_min},
                {"latest_min", stats.latest_min},
                {"threshold_min", *threshold},
                {"days", stats.days},
                {"profile", static_cast<double>(window.profile_for(today_.day))}};
  ctx.raise(std::move(c));
  raised = true;
  urgent = make_urgent;
}

void WellbeingRule::check_night(TimePoint now, RuleContext& ctx) {
  const LearnedRoutine& l = model_.learned();
  if (l.night_bins.days < config_.min_profile_days) return;
  // The night ending tomorrow morning may have begun this evening; otherwise the night ending today.
  const NightRange tomorrow = night_range(l, today_.day + 1, config_);
  const bool evening = tomorrow.from_min < 0 && local_minute(now, utc_offset_) >= tomorrow.from_min + MINUTES_PER_DAY;
  bool& raised = evening ? flags_.evening_night_raised : flags_.night_raised;
  if (raised) return;
  const LocalDay night_of = evening ? today_.day + 1 : today_.day;
  const NightRange range = evening ? tomorrow : night_range(l, today_.day, config_);
  const NightCount n = evening ? night_unusual(&today_, nullptr, range, l.quiet, config_)
                               : night_unusual(model_.find(today_.day - 1), &today_, range, l.quiet, config_);
  if (n.bins < night_threshold_bins(l, config_)) return;
  AlertCandidate c = candidate("night", format_date(night_of), Severity::warning, last_day_sign_.value_or(now));
  c.latching = true;
  c.params = {{"active_min", std::to_string(n.bins * BIN_MIN)},
              {"from", format_hhmm(n.first_min.value_or(0))},
              {"to", format_hhmm(n.last_min.value_or(0))},
              {"usual_min", std::to_string(static_cast<int>(std::lround(l.night_bins.high)) * BIN_MIN)},
              {"days", std::to_string(l.night_bins.days)}};
  c.evidence = {{"unusual_bins", n.bins}, {"usual_high_bins", l.night_bins.high}};
  ctx.raise(std::move(c));
  raised = true;
}

void WellbeingRule::check_absence(TimePoint now, RuleContext& ctx) {
  if (!out_since_ || absence_alert_) return;
  const LearnedRoutine& l = model_.learned();
  const int threshold = absence_threshold_min(l, config_);
  const auto out_min = detail::whole_minutes(now - *out_since_);
  if (out_min < threshold) return;
  AlertCandidate c = candidate("absence", format_date(local_day(*out_since_, utc_offset_)), Severity::warning, now);
  c.params = {{"duration_min", std::to_string(out_min)},
              {"since", format_hhmm(local_minute(*out_since_, utc_offset_))},
              {"usual_min", std::to_string(std::lround(l.longest_out_min.high))},
              {"days", std::to_string(l.longest_out_min.days)}};
  c.evidence = {{"out_min", static_cast<double>(out_min)}, {"threshold_min", threshold}};
  absence_alert_ = c.id;
  ctx.raise(std::move(c));
}

void WellbeingRule::check_bathroom(TimePoint now, RuleContext& ctx) {
  const LearnedRoutine& l = model_.learned();
  if (l.bathroom_visits.days < config_.min_profile_days) return;
  const int visits = bathroom_visits(today_);
  const auto [info_at, warning_at] = bathroom_thresholds(l, config_);
  const int level = visits >= warning_at ? 2 : visits >= info_at ? 1 : 0;
  if (level <= flags_.bathroom_level) return;
  AlertCandidate c =
      candidate("bathroom", format_date(today_.day), level == 2 ? Severity::warning : Severity::info, now);
  c.latching = true;
  c.params = {{"visits", std::to_string(visits)},
              {"usual", std::to_string(std::lround(l.bathroom_visits.usual))},
              {"max", std::to_string(std::lround(l.bathroom_visits.max))},
              {"days", std::to_string(l.bathroom_visits.days)}};
  c.evidence = {{"visits", visits}, {"info_at", info_at}, {"warning_at", warning_at}};
  ctx.raise(std::move(c));
  flags_.bathroom_level = level;
}

void WellbeingRule::check_trend(RuleContext& ctx) {
  static const std::string ID = "wellbeing:trend:home";
  const Trend t = model_.trend(today_.day);
  if (!config_.trend_alert || away_ || model_.learned().warming_up || !t.falling) {
    if (trend_raised_) ctx.clear(ID, ctx.now());
    trend_raised_ = false;
    return;
  }
  AlertCandidate c = candidate("trend", "home", Severity::info, ctx.now());
  c.params = {{"score_now", std::to_string(std::lround(t.recent))},
              {"score_before", std::to_string(std::lround(t.before))}};
  c.evidence = {{"recent", t.recent}, {"before", t.before}, {"slope_per_day", t.slope_per_day}};
  ctx.raise(std::move(c));
  trend_raised_ = true;
}

void WellbeingRule::set_away(bool away, RuleContext& ctx) {
  if (started_) roll_to(ctx.now(), ctx);  // before the first reading there is no day yet
  away_ = away;
  if (away) {
    today_.away = true;
    ctx.clear(alert_id("not_up", today_.day), ctx.now());
    ctx.clear(alert_id("no_meal", today_.day), ctx.now());
    if (absence_alert_) ctx.clear(*absence_alert_, ctx.now());
    absence_alert_.reset();
  } else {
    // Back home: whatever the door said while away says nothing about now.
    out_since_.reset();
    door_at_.reset();
  }
}

std::vector<ActivityEvent> WellbeingRule::take_activity() { return std::exchange(activity_, {}); }

nlohmann::json WellbeingRule::save_state() const {
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : model_.days()) days.push_back(d);
  nlohmann::json flags{{"up_seen", flags_.up_seen},
                       {"meal_seen", flags_.meal_seen},
                       {"not_up_raised", flags_.not_up_raised},
                       {"not_up_urgent", flags_.not_up_urgent},
                       {"no_meal_raised", flags_.no_meal_raised},
                       {"no_meal_urgent", flags_.no_meal_urgent},
                       {"bathroom_level", flags_.bathroom_level},
                       {"night_raised", flags_.night_raised},
                       {"evening_night_raised", flags_.evening_night_raised}};
  nlohmann::json j{{"schema", STATE_SCHEMA},
                   {"away", away_},
                   {"days", std::move(days)},
                   {"flags", std::move(flags)},
                   {"door_ms", optional_ms(door_at_)},
                   {"out_since_ms", optional_ms(out_since_)},
                   {"last_day_sign_ms", optional_ms(last_day_sign_)},
                   {"trend_raised", trend_raised_}};
  j["today"] = started_ ? nlohmann::json(today_) : nlohmann::json(nullptr);
  j["absence_alert"] = absence_alert_ ? nlohmann::json(*absence_alert_) : nlohmann::json(nullptr);
  return j;
}

core::Result<void> WellbeingRule::restore_state(const nlohmann::json& j) {
  try {
    if (!j.is_object() || j.value("schema", 0) != STATE_SCHEMA) {
      return core::make_error("wellbeing state: unknown schema (expected " + std::to_string(STATE_SCHEMA) + ")");
    }
    std::vector<DaySummary> days = j.at("days").get<std::vector<DaySummary>>();
    std::optional<DaySummary> today;
    if (j.contains("today") && !j["today"].is_null()) today = j["today"].get<DaySummary>();
    DayFlags flags;
    if (const auto& f = j.value("flags", nlohmann::json::object()); f.is_object()) {
      flags.up_seen = f.value("up_seen", false);
      flags.meal_seen = f.value("meal_seen", false);
      flags.not_up_raised = f.value("not_up_raised", false);
      flags.not_up_urgent = f.value("not_up_urgent", false);
      flags.no_meal_raised = f.value("no_meal_raised", false);
      flags.no_meal_urgent = f.value("no_meal_urgent", false);
      flags.bathroom_level = f.value("bathroom_level", 0);
      flags.night_raised = f.value("night_raised", false);
      flags.evening_night_raised = f.value("evening_night_raised", false);
    }
    const auto door = ms_from(j, "door_ms");
    const auto out = ms_from(j, "out_since_ms");
    const auto day_sign = ms_from(j, "last_day_sign_ms");
    std::optional<std::string> absence;
    if (j.contains("absence_alert") && j["absence_alert"].is_string()) absence = j["absence_alert"].get<std::string>();

    model_.set_days(std::move(days));
    away_ = j.value("away", false);
    flags_ = flags;
    door_at_ = door;
    out_since_ = out;
    last_day_sign_ = day_sign;
    absence_alert_ = absence;
    trend_raised_ = j.value("trend_raised", false);
    started_ = today.has_value();
    if (today) today_ = *today;
    return {};
  } catch (const nlohmann::json::exception& e) {
    return core::make_error(std::string("wellbeing state: ") + e.what());
  }
}

nlohmann::json WellbeingRule::routine_to_json() const {
  nlohmann::json j = rules::routine_to_json(model_);
  j["away"] = away_;
  j["sensitivity"] = sensitivity_name(config_.sensitivity);
  if (started_) {
    const int day_start = model_.learned().day_start_min;
    const auto up = up_min_today();
    const auto meal = first_meal_min(today_, day_start);
    nlohmann::json t{{"date", format_date(today_.day)},
                     {"bathroom_visits", bathroom_visits(today_)},
                     {"active_min", active_min(today_)},
                     {"observed_min", observed_min(today_)}};
    t["got_up"] = up ? nlohmann::json(format_hhmm(*up)) : nlohmann::json(nullptr);
    t["first_meal"] = meal ? nlohmann::json(format_hhmm(*meal)) : nlohmann::json(nullptr);
    t["out_since_ms"] = optional_ms(out_since_);
    j["today"] = std::move(t);
  }
  return j;
}

std::string routine_to_text(const nlohmann::json& r) {
  const auto str = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string("-");
  };
  std::string out = "Routine: " + std::to_string(r.value("valid_days", 0)) + " valid days (window " +
                    std::to_string(r.value("window_days", 0)) + "), day starts " + str(r, "day_start") +
                    (r.value("warming_up", true) ? ", WARMING UP (no learned alerts before " +
                                                       std::to_string(r.value("warmup_days", 0)) + " days)"
                                                 : "") +
                    (r.value("away", false) ? ", AWAY" : "") + "\n";
  char line[160];
  for (const auto& w : r.value("windows", nlohmann::json::array())) {
    if (!w.value("in_use", false)) continue;
    std::snprintf(line, sizeof line, "  %-10s %-8s usual %s  earliest %s  latest %s  %2d days  alert after %s%s\n",
                  str(w, "signal").c_str(), str(w, "profile").c_str(), str(w, "usual").c_str(),
                  str(w, "earliest").c_str(), str(w, "latest").c_str(), w.value("days", 0),
                  str(w, "alert_after").c_str(), w.value("irregular", false) ? "  (irregular)" : "");
    out += line;
  }
  for (const auto& c : r.value("counts", nlohmann::json::array())) {
    const std::string at = c.contains("alert_at") && c["alert_at"].is_number() ? c["alert_at"].dump() : "-";
    std::snprintf(line, sizeof line, "  %-20s usual %.0f  high %.0f  max %.0f  %2d days  alert at %s\n",
                  str(c, "signal").c_str(), c.value("usual", 0.0), c.value("high", 0.0), c.value("max", 0.0),
                  c.value("days", 0), at.c_str());
    out += line;
  }
  return out;
}

core::Result<nlohmann::json> describe_saved_routine(const nlohmann::json& state, const WellbeingConfig& config,
                                                    minutes utc_offset) {
  WellbeingRule rule(config, utc_offset);
  auto restored = rule.restore_state(state);
  if (!restored) return restored.error();
  return rule.routine_to_json();
}

}  // namespace hearth::rules
