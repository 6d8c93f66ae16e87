#include "bench/wellbeing/evaluation.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "rules/activity.h"
#include "rules/messages.h"
#include "rules/rule_engine.h"
#include "rules/wellbeing_rule.h"

namespace hearth::bench::wellbeing {

namespace {

using core::Reading;
using core::TimePoint;
using rules::LocalDay;
using std::chrono::minutes;

constexpr minutes NO_OFFSET{0};  // the recordings are in local time; Hearth sees it as UTC + 0

// What the untouched run knew at the start of each day (the model in force that day).
struct DaySnapshot {
  bool warming_up = true;
  int day_start_min = 0;
  std::optional<int> usual_up_min;
  std::optional<int> low_up_min;
  int usual_bed_min = 23 * 60;  // minutes from the previous day's midnight (may exceed 1440)
};

struct RunLog {
  std::vector<RaisedAlert> learned;
  std::vector<RaisedAlert> fixed;
  // A latching fixed alert (night door) stays open in a replay (nobody closes it): a later event
  // only updates it. Counted as that rule's detection, not as a new alert.
  std::vector<RaisedAlert> fixed_updates;
  std::map<LocalDay, DaySnapshot> days;
  std::string day_start;
  std::string usual_up;
  std::vector<std::string> day_lines;
  std::string routine_text;
};

rules::RulesConfig rules_config(const Recording& rec, const EvalConfig& config) {
  rules::RulesConfig c = rules::default_rules_config();
  // The learned wellbeing rule, plus the two fixed rules it may be compared with.
  c.thresholds.clear();
  c.safety.enabled = false;
  c.appliance_left_on.enabled = false;
  c.device_health.enabled = false;
  c.wellbeing.warmup_days = config.warmup_days;
  c.wellbeing.meal_rooms = rec.meal_rooms;
  return c;
}

DaySnapshot snapshot(const rules::WellbeingRule& w, LocalDay day) {
  const rules::LearnedRoutine& l = w.model().learned();
  DaySnapshot s;
  s.warming_up = l.warming_up;
  s.day_start_min = l.day_start_min;
  if (const auto& up = l.got_up.for_day(day); up.days > 0) {
    s.usual_up_min = up.usual_min;
    s.low_up_min = up.low_min;
  }
  if (const auto& bed = l.bedtime.for_day(day - 1); bed.days > 0) s.usual_bed_min = bed.usual_min;
  return s;
}

std::string opt_hhmm(std::optional<int> m) { return m ? rules::format_hhmm(*m) : "-"; }

std::vector<std::string> day_lines(const rules::WellbeingRule& w) {
  const rules::RoutineModel& m = w.model();
  const rules::LearnedRoutine& l = m.learned();
  std::vector<std::string> out;
  for (const auto& d : m.days()) {
    const int start = l.day_start_min;
    const auto night =
        rules::night_unusual(m.find(d.day - 1), &d, rules::night_range(l, d.day, m.config()), l.quiet, m.config());
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s %s valid=%d observed=%4d min up=%s meal=%s bed=%s bath=%2d active=%4d min out=%4d min "
                  "night_bins=%d score=%s",
                  rules::format_date(d.day).c_str(), rules::is_weekend(d.day) ? "we" : "wd",
                  rules::is_valid(d, m.config()) ? 1 : 0, rules::observed_min(d),
                  opt_hhmm(rules::got_up_min(d, start, m.config())).c_str(),
                  opt_hhmm(rules::first_meal_min(d, start)).c_str(),
                  opt_hhmm(rules::bedtime_min(d, m.find(d.day + 1), start)).c_str(), rules::bathroom_visits(d),
                  rules::active_min(d), rules::longest_out_min(d), night.bins,
                  d.score ? std::to_string(static_cast<int>(*d.score)).c_str() : "-");
    out.emplace_back(buf);
  }
  return out;
}

std::string describe_up(const rules::WellbeingRule& w) {
  const rules::TimeWindow& up = w.model().learned().got_up;
  const auto one = [](std::string_view name, const rules::TimeStats& s) {
    return std::string(name) + " " + rules::format_hhmm(s.usual_min) + " (" + rules::format_hhmm(s.earliest_min) + "-" +
           rules::format_hhmm(s.latest_min) + ", " + std::to_string(s.days) + " d" +
           (s.irregular ? ", irregular" : "") + ")";
  };
  if (!up.split) return one("all", up.all);
  return one("weekday", up.weekday) + "; " + one("weekend", up.weekend);
}

RunLog replay(const Recording& rec, const std::vector<Reading>& events, const EvalConfig& config) {
  RunLog log;
  rules::InMemoryFacts facts;
  for (const auto& d : rec.devices) facts.set_device(d);
  rules::RuleEngine engine(rules_config(rec, config), facts);
  const auto collect = [&](const rules::EngineOutput& out) {
    for (const auto& e : out.events) {
      const bool learned = e.alert.id.starts_with("wellbeing:");
      const bool opened = e.type == rules::AlertEventType::raised || e.type == rules::AlertEventType::reopened;
      if (!opened && (learned || e.type != rules::AlertEventType::updated)) continue;
      RaisedAlert a{e.alert.id, opened ? e.alert.raised_at : e.alert.updated_at, e.alert.severity,
                    rules::render(e.alert.message_key, rules::Language::en, e.alert.params)};
      (learned ? log.learned : opened ? log.fixed : log.fixed_updates).push_back(std::move(a));
    }
  };
  if (events.empty()) return log;
  TimePoint tick = std::chrono::ceil<minutes>(events.front().ts);
  std::optional<LocalDay> day;
  const auto run_ticks_to = [&](TimePoint t) {
    for (; tick <= t; tick += config.tick) {
      collect(engine.on_tick(tick));
      const LocalDay d = rules::local_day(tick, NO_OFFSET);
      if (day != d && engine.wellbeing() != nullptr) {
        day = d;
        log.days[d] = snapshot(*engine.wellbeing(), d);
      }
    }
  };
  for (const auto& r : events) {
    run_ticks_to(r.ts);
    facts.record(r);
    collect(engine.on_reading(r));
  }
  run_ticks_to(events.back().ts + config.tick);
  if (engine.wellbeing() != nullptr) {
    log.day_start = rules::format_hhmm(engine.wellbeing()->model().learned().day_start_min);
    log.usual_up = describe_up(*engine.wellbeing());
    log.day_lines = day_lines(*engine.wellbeing());
    log.routine_text = rules::routine_to_text(engine.wellbeing()->routine_to_json());
  }
  return log;
}

std::vector<Reading> check_ins(const Recording& rec, const EvalConfig& config) {
  std::vector<Reading> out;
  if (rec.events.empty()) return out;
  const TimePoint first = std::chrono::floor<minutes>(rec.events.front().ts);
  const TimePoint last = rec.events.back().ts;
  const auto stagger = config.check_in / std::max<std::size_t>(1, rec.devices.size());
  for (std::size_t i = 0; i < rec.devices.size(); ++i) {
    for (TimePoint t = first + stagger * static_cast<int>(i); t <= last; t += config.check_in) {
      out.push_back(Reading{.device_id = rec.devices[i].id,
                            .metric = core::Metric::online,
                            .value = 1.0,
                            .ts = t,
                            .counter_reset = false,
                            .retained = false});
    }
  }
  return out;
}

std::vector<Reading> merged(std::vector<Reading> a, const std::vector<Reading>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::stable_sort(a.begin(), a.end(), [](const Reading& x, const Reading& y) { return x.ts < y.ts; });
  return a;
}

TimePoint at_minute(LocalDay day, int minute) { return rules::local_midnight(day, NO_OFFSET) + minutes{minute}; }

bool matches(Incident type, const std::string& id) {
  if (type == Incident::night_wandering) return id.starts_with("wellbeing:night:");
  return id.starts_with("wellbeing:not_up:") || id.starts_with("wellbeing:no_meal:") ||
         id.starts_with("wellbeing:absence:");
}

bool fixed_matches(Incident type, const std::string& id) {
  if (type == Incident::night_wandering) return id.starts_with("night_door:");
  return id.starts_with("inactivity:");
}

// Motion devices in rooms the routine model counts as day rooms (where wandering is seen).
std::vector<std::string> day_room_motion(const Recording& rec) {
  const rules::WellbeingConfig defaults;
  std::vector<std::string> out;
  for (const auto& d : rec.devices) {
    if (d.kind == "motion" && rules::classify_room(d.room, defaults) == rules::Place::day) out.push_back(d.id);
  }
  return out;
}

std::optional<std::string> entrance_door(const Recording& rec) {
  for (const auto& d : rec.devices) {
    if (d.kind == "entrance_door") return d.id;
  }
  return std::nullopt;
}

// Applies one incident to the dataset's events (check-ins are added afterwards, untouched).
std::vector<Reading> inject(const Recording& rec, IncidentResult& inc, const DaySnapshot& s, const EvalConfig& config,
                            std::mt19937_64& rng) {
  std::vector<Reading> events;
  const auto keep_outside = [&](TimePoint from, TimePoint to) {
    for (const auto& r : rec.events) {
      if (r.ts < from || r.ts >= to) events.push_back(r);
    }
  };
  const int usual_up = s.usual_up_min.value_or(8 * 60);
  inc.reference = at_minute(inc.day, usual_up);
  switch (inc.type) {
    case Incident::missed_morning:
      inc.start = at_minute(inc.day, std::min(s.day_start_min, 4 * 60));
      inc.end = at_minute(inc.day, usual_up) + config.missed_morning_for;
      keep_outside(inc.start, inc.end);
      break;
    case Incident::no_activity_day:
      inc.start = at_minute(inc.day, 0);
      inc.end = at_minute(inc.day + 1, 0);
      keep_outside(inc.start, inc.end);
      break;
    case Incident::night_wandering: {
      // In the middle of the usual night, an hour of movement through the day rooms and the door.
      const int bed = s.usual_bed_min - 24 * 60;  // from this day's midnight: negative = the evening before
      const int middle = (bed + usual_up) / 2;
      inc.start = at_minute(inc.day, middle - 90);
      inc.end = inc.start + config.wandering_for;
      inc.reference = inc.start;
      events = rec.events;
      const auto rooms = day_room_motion(rec);
      // One movement every 2-5 minutes (rng() % n rather than a distribution: the same on every platform).
      for (TimePoint t = inc.start; t < inc.end && !rooms.empty(); t += std::chrono::seconds{120 + rng() % 181}) {
        const std::string& id = rooms[rng() % rooms.size()];
        events.push_back(Reading{.device_id = id,
                                 .metric = core::Metric::motion,
                                 .value = 1.0,
                                 .ts = t,
                                 .counter_reset = false,
                                 .retained = false});
        events.push_back(Reading{.device_id = id,
                                 .metric = core::Metric::motion,
                                 .value = 0.0,
                                 .ts = t + std::chrono::seconds{10},
                                 .counter_reset = false,
                                 .retained = false});
      }
      if (const auto door = entrance_door(rec)) {
        for (const auto offset : {minutes{15}, minutes{40}}) {
          events.push_back(Reading{.device_id = *door,
                                   .metric = core::Metric::contact_open,
                                   .value = 1.0,
                                   .ts = inc.start + offset,
                                   .counter_reset = false,
                                   .retained = false});
          events.push_back(Reading{.device_id = *door,
                                   .metric = core::Metric::contact_open,
                                   .value = 0.0,
                                   .ts = inc.start + offset + std::chrono::seconds{30},
                                   .counter_reset = false,
                                   .retained = false});
        }
      }
      std::stable_sort(events.begin(), events.end(), [](const Reading& x, const Reading& y) { return x.ts < y.ts; });
      break;
    }
  }
  return events;
}

template <typename Pred>
std::optional<RaisedAlert> first_alert(const std::vector<RaisedAlert>& alerts, TimePoint from, TimePoint to,
                                       Pred pred) {
  for (const auto& a : alerts) {
    if (a.raised_at >= from && a.raised_at < to && pred(a.id)) return a;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Incident i) {
  switch (i) {
    case Incident::missed_morning:
      return "missed morning";
    case Incident::no_activity_day:
      return "no-activity day";
    case Incident::night_wandering:
      return "night wandering";
  }
  return "?";
}

double IncidentResult::ttd_min() const {
  if (!learned) return 0.0;
  return std::chrono::duration<double, std::ratio<60>>(learned->raised_at - reference).count();
}

HomeResult evaluate(const Recording& rec, const EvalConfig& config) {
  HomeResult result;
  result.name = rec.name;
  if (rec.events.empty()) return result;
  const auto checkins = check_ins(rec, config);
  const RunLog base = replay(rec, merged(rec.events, checkins), config);
  result.day_start = base.day_start;
  result.usual_up = base.usual_up;
  result.day_lines = base.day_lines;
  result.routine_text = base.routine_text;

  // Whole days only: the first and last days of a recording are partial.
  const LocalDay first = rules::local_day(rec.events.front().ts, NO_OFFSET) + 1;
  const LocalDay last = rules::local_day(rec.events.back().ts, NO_OFFSET) - 1;
  std::vector<LocalDay> eval_days;
  for (LocalDay d = first; d <= last; ++d) {
    ++result.days;
    auto it = base.days.find(d);
    if (it != base.days.end() && !it->second.warming_up && it->second.usual_up_min) eval_days.push_back(d);
  }
  result.eval_days = static_cast<int>(eval_days.size());
  const std::set<LocalDay> evaluated(eval_days.begin(), eval_days.end());
  const auto on_eval_day = [&](const RaisedAlert& a) {
    return evaluated.contains(rules::local_day(a.raised_at, NO_OFFSET));
  };
  for (const auto& a : base.learned) {
    if (on_eval_day(a)) result.false_learned.push_back(a);
  }
  for (const auto& a : base.fixed) {
    if (on_eval_day(a)) result.fixed_alerts.push_back(a);
  }
  if (eval_days.empty()) return result;

  for (Incident type : {Incident::missed_morning, Incident::no_activity_day, Incident::night_wandering}) {
    // Distinct days in a seeded random order; at most one incident of a type per day.
    std::mt19937_64 rng(config.seed + static_cast<std::uint64_t>(type));
    std::vector<LocalDay> days = eval_days;
    for (std::size_t i = days.size(); i > 1; --i) std::swap(days[i - 1], days[rng() % i]);
    days.resize(std::min<std::size_t>(days.size(), static_cast<std::size_t>(std::max(0, config.trials))));
    for (LocalDay day : days) {
      IncidentResult inc;
      inc.type = type;
      inc.day = day;
      auto events = inject(rec, inc, base.days.at(inc.day), config, rng);
      const RunLog run = replay(rec, merged(std::move(events), checkins), config);
      const TimePoint day_end = at_minute(inc.day + 1, 0);
      inc.learned =
          first_alert(run.learned, inc.start, day_end, [&](const std::string& id) { return matches(type, id); });
      std::vector<RaisedAlert> fixed = run.fixed;
      fixed.insert(fixed.end(), run.fixed_updates.begin(), run.fixed_updates.end());
      std::stable_sort(fixed.begin(), fixed.end(),
                       [](const RaisedAlert& a, const RaisedAlert& b) { return a.raised_at < b.raised_at; });
      inc.fixed =
          first_alert(fixed, inc.start, day_end, [&](const std::string& id) { return fixed_matches(type, id); });
      // False alerts in injected runs: evaluation days at least two days away from the incident.
      for (LocalDay d : eval_days) {
        if (std::abs(d - inc.day) >= 2) ++result.untouched_days_injected_runs;
      }
      for (const auto& a : run.learned) {
        const LocalDay d = rules::local_day(a.raised_at, NO_OFFSET);
        if (evaluated.contains(d) && std::abs(d - inc.day) >= 2) ++result.false_learned_injected_runs;
      }
      result.incidents.push_back(std::move(inc));
    }
  }
  return result;
}

}  // namespace hearth::bench::wellbeing
