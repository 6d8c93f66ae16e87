#include "rules/routine_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

namespace hearth::rules {

using core::TimePoint;
using std::chrono::minutes;

namespace {

constexpr int MINUTES_PER_DAY = 24 * 60;
constexpr int QUIET_WINDOW_BINS = 4 * 60 / BIN_MIN;  // the quietest 4 h set the learned day start
constexpr int EARLIEST_DAY_START_MIN = 2 * 60;
constexpr int LATEST_DAY_START_MIN = 10 * 60;

int bin_of(int minute) { return std::clamp(minute / BIN_MIN, 0, BINS_PER_DAY - 1); }
int mins(minutes m) { return static_cast<int>(m.count()); }

// Nearest-rank percentile of sorted values.
template <typename T>
T percentile(const std::vector<T>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

template <typename T>
double median(const std::vector<T>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? static_cast<double>(sorted[n / 2])
                    : (static_cast<double>(sorted[n / 2 - 1]) + static_cast<double>(sorted[n / 2])) / 2.0;
}

TimeStats time_stats(std::vector<int> values, const WellbeingConfig& config) {
  TimeStats s;
  s.days = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.usual_min = static_cast<int>(std::lround(median(values)));
  s.earliest_min = values.front();
  s.latest_min = values.back();
  s.low_min = percentile(values, 0.1);
  s.high_min = percentile(values, 0.9);
  s.irregular = s.high_min - s.low_min > mins(config.irregular_spread);
  return s;
}

CountStats count_stats(std::vector<double> values) {
  CountStats s;
  s.days = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.usual = median(values);
  s.high = percentile(values, 0.9);
  s.max = values.back();
  return s;
}

struct DatedValue {
  LocalDay day;
  int value;
};

TimeWindow time_window(const std::vector<DatedValue>& values, const WellbeingConfig& config) {
  std::vector<int> all, weekday, weekend;
  for (const auto& v : values) {
    all.push_back(v.value);
    (is_weekend(v.day) ? weekend : weekday).push_back(v.value);
  }
  TimeWindow w;
  w.all = time_stats(all, config);
  w.weekday = time_stats(weekday, config);
  w.weekend = time_stats(weekend, config);
  w.split = w.weekday.days >= config.min_profile_days && w.weekend.days >= config.min_profile_days &&
            std::abs(w.weekday.usual_min - w.weekend.usual_min) >= mins(config.split_min_difference);
  return w;
}

// Bins as hex, four bins per digit, bin 0 first (the lowest bit of the first digit).
std::string bins_to_hex(const DayBins& b) {
  static constexpr char DIGITS[] = "0123456789abcdef";
  std::string out(BINS_PER_DAY / 4, '0');
  for (int i = 0; i < BINS_PER_DAY / 4; ++i) {
    int v = 0;
    for (int k = 0; k < 4; ++k) v |= b[static_cast<std::size_t>(i * 4 + k)] ? 1 << k : 0;
    out[static_cast<std::size_t>(i)] = DIGITS[v];
  }
  return out;
}

DayBins bins_from_hex(const nlohmann::json& j, const char* key) {
  DayBins b;
  const auto text = j.value(key, std::string());
  if (text.empty()) return b;
  if (text.size() != BINS_PER_DAY / 4) throw nlohmann::json::other_error::create(501, "bad bins length", &j);
  for (int i = 0; i < BINS_PER_DAY / 4; ++i) {
    const char c = text[static_cast<std::size_t>(i)];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) throw nlohmann::json::other_error::create(501, "bad bins digit", &j);
    for (int k = 0; k < 4; ++k) b[static_cast<std::size_t>(i * 4 + k)] = (v >> k & 1) != 0;
  }
  return b;
}

int count_runs(const DayBins& b, int from_bin, int to_bin) {
  int runs = 0;
  int gap = 2;  // a gap of one empty bin (5-10 min) does not end a visit
  for (int i = from_bin; i < to_bin; ++i) {
    if (b[static_cast<std::size_t>(i)]) {
      if (gap >= 2) ++runs;
      gap = 0;
    } else {
      ++gap;
    }
  }
  return runs;
}

}  // namespace

LocalDay local_day(TimePoint t, minutes utc_offset) {
  return static_cast<LocalDay>(std::chrono::floor<std::chrono::days>(t + utc_offset).time_since_epoch().count());
}

int local_minute(TimePoint t, minutes utc_offset) {
  const auto local = t + utc_offset;
  return static_cast<int>(
      std::chrono::duration_cast<minutes>(local - std::chrono::floor<std::chrono::days>(local)).count());
}

TimePoint local_midnight(LocalDay day, minutes utc_offset) {
  return TimePoint{std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days{day})} - utc_offset;
}

bool is_weekend(LocalDay day) {
  const int weekday = ((day % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday == 0 || weekday == 6;
}

std::string format_date(LocalDay day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<LocalDay> parse_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<LocalDay>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

std::string format_hhmm(int minute_of_day) {
  const int m = ((minute_of_day % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", m / 60, m % 60);
  return buf;
}

void to_json(nlohmann::json& j, const DaySummary& d) {
  j = nlohmann::json{{"date", format_date(d.day)},          {"observed", bins_to_hex(d.observed)},
                     {"day_room", bins_to_hex(d.day_room)}, {"bathroom", bins_to_hex(d.bathroom)},
                     {"bedroom", bins_to_hex(d.bedroom)},   {"meal", bins_to_hex(d.meal)},
                     {"out", bins_to_hex(d.out)},           {"away", d.away}};
  j["score"] = d.score ? nlohmann::json(*d.score) : nlohmann::json(nullptr);
}

void from_json(const nlohmann::json& j, DaySummary& d) {
  const auto day = parse_date(j.at("date").get<std::string>());
  if (!day) throw nlohmann::json::other_error::create(501, "bad date", &j);
  d.day = *day;
  d.observed = bins_from_hex(j, "observed");
  d.day_room = bins_from_hex(j, "day_room");
  d.bathroom = bins_from_hex(j, "bathroom");
  d.bedroom = bins_from_hex(j, "bedroom");
  d.meal = bins_from_hex(j, "meal");
  d.out = bins_from_hex(j, "out");
  d.away = j.value("away", false);
  d.score.reset();
  if (j.contains("score") && j["score"].is_number()) d.score = j["score"].get<double>();
}

int observed_min(const DaySummary& d) { return static_cast<int>(d.observed.count()) * BIN_MIN; }

bool has_activity(const DaySummary& d) { return (d.day_room | d.bathroom | d.bedroom).any(); }

bool is_valid(const DaySummary& d, const WellbeingConfig& config) {
  return !d.away && has_activity(d) && observed_min(d) >= config.min_day_coverage * MINUTES_PER_DAY;
}

std::optional<int> got_up_min(const DaySummary& d, int day_start_min, const WellbeingConfig& config) {
  const int window = std::max(1, mins(config.up_confirm) / BIN_MIN);
  for (int b = bin_of(day_start_min); b < BINS_PER_DAY; ++b) {
    if (!d.day_room[static_cast<std::size_t>(b)]) continue;
    const int end = std::min(BINS_PER_DAY, b + window + 1);
    int day_bins = 0;
    bool more = false, back_to_bed = false;
    for (int k = b; k < end; ++k) {
      const auto i = static_cast<std::size_t>(k);
      day_bins += d.day_room[i];
      if (k > b) {
        more = more || d.day_room[i] || d.bathroom[i];
        back_to_bed = back_to_bed || d.bedroom[i];
      }
    }
    // The second test needs the whole window to have passed: otherwise "no bedroom yet" is unknown.
    if (day_bins >= config.up_confirm_bins || (more && !back_to_bed && end == b + window + 1)) return b * BIN_MIN;
  }
  return std::nullopt;
}

std::optional<int> first_meal_min(const DaySummary& d, int day_start_min) {
  for (int b = bin_of(day_start_min); b < BINS_PER_DAY; ++b) {
    if (d.meal[static_cast<std::size_t>(b)]) return b * BIN_MIN;
  }
  return std::nullopt;
}

std::optional<int> bedtime_min(const DaySummary& d, const DaySummary* next, int day_start_min) {
  const int start = bin_of(day_start_min);
  if (next != nullptr) {
    for (int b = start - 1; b >= 0; --b) {
      if (next->day_room[static_cast<std::size_t>(b)]) return MINUTES_PER_DAY + b * BIN_MIN;
    }
  }
  for (int b = BINS_PER_DAY - 1; b >= start; --b) {
    if (d.day_room[static_cast<std::size_t>(b)]) return b * BIN_MIN;
  }
  return std::nullopt;
}

int bathroom_visits(const DaySummary& d) { return count_runs(d.bathroom, 0, BINS_PER_DAY); }

int active_min(const DaySummary& d) {
  return static_cast<int>((d.day_room | d.bathroom | d.bedroom).count()) * BIN_MIN;
}

int longest_out_min(const DaySummary& d) {
  int best = 0, run = 0;
  for (int b = 0; b < BINS_PER_DAY; ++b) {
    run = d.out[static_cast<std::size_t>(b)] ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best * BIN_MIN;
}

NightRange night_range(const LearnedRoutine& learned, LocalDay night_of, const WellbeingConfig& config) {
  constexpr int AFTER_BEDTIME_MIN = 60;
  constexpr int BEFORE_EARLIEST_MIN = 30;
  const int start = learned.day_start_min;
  int from = start - mins(config.night_span);
  if (const TimeStats& bed = learned.bedtime.for_day(night_of - 1); bed.days >= config.min_profile_days) {
    from = std::max(from, bed.usual_min + AFTER_BEDTIME_MIN - MINUTES_PER_DAY);
  }
  int end = start;
  if (const TimeStats& up = learned.got_up.for_day(night_of); up.days >= config.min_profile_days) {
    end = std::max(start, up.low_min - BEFORE_EARLIEST_MIN);
  }
  return {std::min(from, end), end};
}

NightCount night_unusual(const DaySummary* prev, const DaySummary* day, NightRange range, const BinProfile& quiet,
                         const WellbeingConfig& config) {
  // Bins of the evening before and of the day itself, as one line: index i < 0 is the evening.
  const int from = std::max(-BINS_PER_DAY, range.from_min / BIN_MIN - (range.from_min % BIN_MIN < 0 ? 1 : 0));
  const int to = std::min(BINS_PER_DAY, range.to_min / BIN_MIN);
  NightCount n;
  for (int i = from; i < to; ++i) {
    const DaySummary* d = i < 0 ? prev : day;
    if (d == nullptr) continue;
    const int b = i < 0 ? i + BINS_PER_DAY : i;
    if (!d->day_room[static_cast<std::size_t>(b)] || quiet[static_cast<std::size_t>(b)] > config.quiet_probability) {
      continue;
    }
    ++n.bins;
    if (!n.first_min) n.first_min = i * BIN_MIN;
    n.last_min = i * BIN_MIN + BIN_MIN;
  }
  return n;
}

std::string_view to_string(Profile p) {
  switch (p) {
    case Profile::all:
      return "all";
    case Profile::weekday:
      return "weekday";
    case Profile::weekend:
      return "weekend";
  }
  return "all";
}

Profile TimeWindow::profile_for(LocalDay day) const {
  if (!split) return Profile::all;
  return is_weekend(day) ? Profile::weekend : Profile::weekday;
}

const TimeStats& TimeWindow::stats(Profile p) const {
  switch (p) {
    case Profile::weekday:
      return weekday;
    case Profile::weekend:
      return weekend;
    case Profile::all:
      break;
  }
  return all;
}

double sensitivity_factor(Sensitivity s) {
  switch (s) {
    case Sensitivity::low:
      return 1.5;
    case Sensitivity::high:
      return 0.6;
    case Sensitivity::normal:
      break;
  }
  return 1.0;
}

std::optional<int> late_threshold_min(const TimeStats& stats, const WellbeingConfig& config, bool meal) {
  if (stats.days < config.min_profile_days) return std::nullopt;
  const double f = sensitivity_factor(config.sensitivity);
  const auto scaled = [f](minutes m) { return static_cast<int>(std::lround(static_cast<double>(m.count()) * f)); };
  // Shift work and other irregular routines: only later than anything seen recently.
  if (stats.irregular) return stats.latest_min + scaled(config.late_margin);
  int t = stats.high_min + scaled(config.late_margin);
  t = std::min(t, stats.usual_min + scaled(meal ? config.meal_max_late : config.max_late));
  return std::max(t, stats.usual_min + scaled(config.min_late));
}

int night_threshold_bins(const LearnedRoutine& learned, const WellbeingConfig& config) {
  const double f = sensitivity_factor(config.sensitivity);
  // Never below what confirms getting up: an early riser's first bins are not a night's wandering.
  const int floor_bins = std::max(static_cast<int>(std::lround(config.night_min_bins * f)), config.up_confirm_bins + 1);
  return std::max(floor_bins, static_cast<int>(std::ceil(learned.night_bins.high)) + 2);
}

std::pair<int, int> bathroom_thresholds(const LearnedRoutine& learned, const WellbeingConfig& config) {
  const double f = sensitivity_factor(config.sensitivity);
  const double extra = std::max<double>(config.bathroom_min_extra, 0.5 * learned.bathroom_visits.usual) * f;
  const int info = static_cast<int>(std::ceil(learned.bathroom_visits.high + extra));
  return {info, static_cast<int>(std::ceil(info + extra))};
}

int absence_threshold_min(const LearnedRoutine& learned, const WellbeingConfig& config) {
  const double f = sensitivity_factor(config.sensitivity);
  const double floor_min = static_cast<double>(config.min_absence.count()) * f;
  const double learned_min = learned.longest_out_min.high + static_cast<double>(config.absence_margin.count()) * f;
  return static_cast<int>(std::lround(std::max(floor_min, learned_min)));
}

RoutineModel::RoutineModel(WellbeingConfig config) : config_(std::move(config)) {
  learned_.day_start_min = mins(config_.day_start);
}

const DaySummary* RoutineModel::find(LocalDay day) const {
  for (const auto& d : days_) {
    if (d.day == day) return &d;
  }
  return nullptr;
}

void RoutineModel::add_day(DaySummary day) {
  auto it = std::find_if(days_.begin(), days_.end(), [&](const DaySummary& d) { return d.day >= day.day; });
  if (it != days_.end() && it->day == day.day) {
    *it = std::move(day);
  } else {
    days_.insert(it, std::move(day));
  }
  trim();
  relearn();
}

void RoutineModel::set_days(std::vector<DaySummary> days) {
  std::sort(days.begin(), days.end(), [](const DaySummary& a, const DaySummary& b) { return a.day < b.day; });
  days_.clear();
  for (auto& d : days) {
    if (!days_.empty() && days_.back().day == d.day) {
      days_.back() = std::move(d);
    } else {
      days_.push_back(std::move(d));
    }
  }
  trim();
  relearn();
}

void RoutineModel::trim() {
  if (days_.empty()) return;
  const LocalDay newest = days_.back().day;
  while (!days_.empty() && days_.front().day < newest - 3 * config_.window_days) days_.pop_front();
  auto valid = std::count_if(days_.begin(), days_.end(), [&](const DaySummary& d) { return is_valid(d, config_); });
  while (valid > config_.window_days) {
    if (is_valid(days_.front(), config_)) --valid;
    days_.pop_front();
  }
}

int RoutineModel::learn_day_start(const std::vector<const DaySummary*>& valid) const {
  const int fallback = mins(config_.day_start);
  if (!config_.learn_day_start || static_cast<int>(valid.size()) < config_.warmup_days) return fallback;
  std::array<int, BINS_PER_DAY> active{};
  for (const auto* d : valid) {
    for (int b = 0; b < BINS_PER_DAY; ++b)
      active[static_cast<std::size_t>(b)] += d->day_room[static_cast<std::size_t>(b)];
  }
  // Activity in every 4-hour window (circular); the quietest ones form a run whose middle window's
  // centre is the day start. A long quiet night gives its middle, not its first quiet moment.
  std::array<int, BINS_PER_DAY> sums{};
  for (int i = 0; i < BINS_PER_DAY; ++i) {
    for (int k = 0; k < QUIET_WINDOW_BINS; ++k)
      sums[static_cast<std::size_t>(i)] += active[static_cast<std::size_t>((i + k) % BINS_PER_DAY)];
  }
  const int least = *std::min_element(sums.begin(), sums.end());
  // Ties within one active bin-day per window count as equally quiet.
  const auto quiet = [&](int i) {
    return sums[static_cast<std::size_t>((i + BINS_PER_DAY) % BINS_PER_DAY)] <= least + 1;
  };
  int best_start = 0, best_len = 0;
  for (int i = 0; i < BINS_PER_DAY; ++i) {
    if (!quiet(i) || quiet(i - 1)) continue;  // the start of a run
    int len = 0;
    while (len < BINS_PER_DAY && quiet(i + len)) ++len;
    if (len > best_len) {
      best_len = len;
      best_start = i;
    }
  }
  if (best_len == 0) return fallback;  // every window equally quiet: nothing to learn from
  const int centre_bin = (best_start + best_len / 2 + QUIET_WINDOW_BINS / 2) % BINS_PER_DAY;
  return std::clamp(centre_bin * BIN_MIN, EARLIEST_DAY_START_MIN, LATEST_DAY_START_MIN);
}

void RoutineModel::relearn() {
  LearnedRoutine l;
  std::vector<const DaySummary*> valid;
  for (const auto& d : days_) {
    if (is_valid(d, config_)) valid.push_back(&d);
  }
  l.valid_days = static_cast<int>(valid.size());
  l.warming_up = l.valid_days < config_.warmup_days;
  l.day_start_min = learn_day_start(valid);
  if (!valid.empty()) {
    l.first_day = valid.front()->day;
    l.last_day = valid.back()->day;
  }

  std::array<float, BINS_PER_DAY> share{};
  for (const auto* d : valid) {
    for (int b = 0; b < BINS_PER_DAY; ++b)
      share[static_cast<std::size_t>(b)] += d->day_room[static_cast<std::size_t>(b)] ? 1.0F : 0.0F;
  }
  for (auto& s : share) s = valid.empty() ? 0.0F : s / static_cast<float>(valid.size());
  for (int b = 0; b < BINS_PER_DAY; ++b) {
    const auto at = [&](int i) { return share[static_cast<std::size_t>((i + BINS_PER_DAY) % BINS_PER_DAY)]; };
    l.quiet[static_cast<std::size_t>(b)] = std::max({at(b - 1), at(b), at(b + 1)});
  }

  std::vector<DatedValue> up, meal, bed;
  std::vector<double> bath, active, out;
  for (const auto* d : valid) {
    if (const auto u = got_up_min(*d, l.day_start_min, config_)) up.push_back({d->day, *u});
    if (const auto m = first_meal_min(*d, l.day_start_min)) meal.push_back({d->day, *m});
    if (const DaySummary* next = find(d->day + 1); next != nullptr && is_valid(*next, config_)) {
      if (const auto b = bedtime_min(*d, next, l.day_start_min)) bed.push_back({d->day, *b});
    }
    bath.push_back(bathroom_visits(*d));
    active.push_back(active_min(*d));
    out.push_back(longest_out_min(*d));
  }
  l.got_up = time_window(up, config_);
  l.first_meal = time_window(meal, config_);
  l.bedtime = time_window(bed, config_);
  // Nights need the learned get-up time (where they end) and the quiet profile.
  std::vector<double> night;
  for (const auto* d : valid) {
    night.push_back(night_unusual(find(d->day - 1), d, night_range(l, d->day, config_), l.quiet, config_).bins);
  }
  l.night_bins = count_stats(night);
  l.bathroom_visits = count_stats(bath);
  l.active_min = count_stats(active);
  l.longest_out_min = count_stats(out);
  learned_ = std::move(l);
}

double RoutineModel::score(const DaySummary& day) const {
  const LearnedRoutine& l = learned_;
  if (l.warming_up) return 100.0;
  double s = 100.0;
  const auto up = got_up_min(day, l.day_start_min, config_);
  if (const auto& st = l.got_up.for_day(day.day); st.days >= config_.min_profile_days) {
    if (!up) {
      s -= 40.0;
    } else if (*up > st.high_min) {
      s -= std::min(25.0, 25.0 * (*up - st.high_min) / 120.0);
    }
  }
  if (const auto& st = l.first_meal.for_day(day.day); st.days >= config_.min_profile_days) {
    const auto meal = first_meal_min(day, l.day_start_min);
    if (!meal) {
      s -= 10.0;
    } else if (*meal > st.high_min) {
      s -= std::min(10.0, 10.0 * (*meal - st.high_min) / 120.0);
    }
  }
  if (l.active_min.usual > 0) {
    const double ratio = active_min(day) / l.active_min.usual;
    if (ratio < 1.0) s -= 30.0 * (1.0 - ratio);
  }
  const int night = night_unusual(find(day.day - 1), &day, night_range(l, day.day, config_), l.quiet, config_).bins;
  if (const double excess = night - l.night_bins.high; excess > 0) s -= std::min(15.0, 3.0 * excess);
  if (const double excess = bathroom_visits(day) - l.bathroom_visits.high; excess > 0) {
    s -= std::min(15.0, 5.0 * excess);
  }
  return std::clamp(s, 0.0, 100.0);
}

Trend RoutineModel::trend(LocalDay through) const {
  constexpr int HALF = 7;
  constexpr int MIN_PER_HALF = 5;
  std::vector<std::pair<double, double>> points;
  double recent = 0, before = 0;
  int n_recent = 0, n_before = 0;
  for (const auto& d : days_) {
    if (!d.score || !is_valid(d, config_) || d.day > through || d.day <= through - 2 * HALF) continue;
    points.emplace_back(d.day - through, *d.score);
    if (d.day > through - HALF) {
      recent += *d.score;
      ++n_recent;
    } else {
      before += *d.score;
      ++n_before;
    }
  }
  Trend t;
  t.days = static_cast<int>(points.size());
  if (n_recent < MIN_PER_HALF || n_before < MIN_PER_HALF) return t;
  t.recent = recent / n_recent;
  t.before = before / n_before;
  double mx = 0, my = 0;
  for (const auto& [x, y] : points) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(points.size());
  my /= static_cast<double>(points.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  t.slope_per_day = sxx > 0 ? sxy / sxx : 0.0;
  t.falling =
      t.before - t.recent >= config_.trend_drop * sensitivity_factor(config_.sensitivity) && t.slope_per_day < 0.0;
  return t;
}

namespace {

nlohmann::json time_window_json(std::string_view signal, const TimeWindow& w, bool alerts, const WellbeingConfig& c) {
  nlohmann::json out = nlohmann::json::array();
  for (Profile p : {Profile::all, Profile::weekday, Profile::weekend}) {
    const TimeStats& s = w.stats(p);
    nlohmann::json j{{"signal", signal},
                     {"profile", to_string(p)},
                     {"in_use", w.split ? p != Profile::all : p == Profile::all},
                     {"days", s.days}};
    if (s.days > 0) {
      j["usual"] = format_hhmm(s.usual_min);
      j["earliest"] = format_hhmm(s.earliest_min);
      j["latest"] = format_hhmm(s.latest_min);
      j["usual_min"] = s.usual_min;
      j["irregular"] = s.irregular;
    }
    const auto t = alerts ? late_threshold_min(s, c, signal == "first_meal") : std::nullopt;
    j["alert_after"] = t ? nlohmann::json(format_hhmm(*t)) : nlohmann::json(nullptr);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json count_json(std::string_view signal, const CountStats& s, std::optional<int> alert_at) {
  nlohmann::json j{{"signal", signal}, {"days", s.days}, {"usual", s.usual}, {"high", s.high}, {"max", s.max}};
  j["alert_at"] = alert_at ? nlohmann::json(*alert_at) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

nlohmann::json routine_to_json(const RoutineModel& model) {
  const LearnedRoutine& l = model.learned();
  const WellbeingConfig& c = model.config();
  nlohmann::json windows = nlohmann::json::array();
  for (auto& w : time_window_json("got_up", l.got_up, true, c)) windows.push_back(std::move(w));
  for (auto& w : time_window_json("first_meal", l.first_meal, true, c)) windows.push_back(std::move(w));
  for (auto& w : time_window_json("bedtime", l.bedtime, false, c)) windows.push_back(std::move(w));
  nlohmann::json counts = nlohmann::json::array();
  counts.push_back(count_json("night_unusual_bins", l.night_bins, night_threshold_bins(l, c)));
  counts.push_back(count_json("bathroom_visits", l.bathroom_visits, bathroom_thresholds(l, c).first));
  counts.push_back(count_json("active_min", l.active_min, std::nullopt));
  counts.push_back(count_json("longest_absence_min", l.longest_out_min, absence_threshold_min(l, c)));
  nlohmann::json scores = nlohmann::json::array();
  for (const auto& d : model.days()) {
    if (d.score) scores.push_back({{"date", format_date(d.day)}, {"score", std::lround(*d.score)}});
  }
  nlohmann::json j{{"warming_up", l.warming_up},
                   {"valid_days", l.valid_days},
                   {"warmup_days", c.warmup_days},
                   {"window_days", c.window_days},
                   {"day_start", format_hhmm(l.day_start_min)},
                   {"windows", std::move(windows)},
                   {"counts", std::move(counts)},
                   {"scores", std::move(scores)}};
  j["first_day"] = l.first_day ? nlohmann::json(format_date(*l.first_day)) : nlohmann::json(nullptr);
  j["last_day"] = l.last_day ? nlohmann::json(format_date(*l.last_day)) : nlohmann::json(nullptr);
  return j;
}

}  // namespace hearth::rules
