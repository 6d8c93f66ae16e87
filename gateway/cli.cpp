// hearth: the command-line tool for a gateway's database (list devices, query and export readings)
// and for replaying recorded traffic through the gateway's pipeline and rules (`hearth replay`).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include "gateway/config.h"
#include "gateway/device_registry.h"
#include "gateway/energy_service.h"
#include "gateway/replay.h"
#include "gateway/store.h"
#include "rules/energy_json.h"
#include "rules/wellbeing_rule.h"

namespace {

using namespace hearth;
using gateway::Store;

std::string iso_utc(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// CSV field quoting (RFC 4180) for ids that may contain commas or quotes.
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::unique_ptr<Store> open_store(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    std::cerr << "hearth: no database at " << path << "\n";
    std::exit(2);
  }
  gateway::StoreConfig cfg;
  cfg.path = path;
  auto store = Store::open(cfg);
  if (!store) {
    std::cerr << "hearth: " << store.error().message << "\n";
    std::exit(2);
  }
  return std::move(*store);
}

std::string actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr ? user : std::to_string(::getuid()));
}

int show_routine(const std::string& db, const std::string& config_path, bool as_json) {
  rules::RulesConfig rules = rules::default_rules_config();
  if (!config_path.empty()) {
    auto cfg = gateway::load_config_file(config_path);
    if (!cfg) {
      std::cerr << "hearth: " << cfg.error().message << "\n";
      return 2;
    }
    rules = cfg->rules;
  }
  auto store = open_store(db);
  const auto state = store->setting("wellbeing_state");
  if (!state) {
    std::cerr << "hearth: no learned routine saved in " << db << " yet (hearthd saves it every 10 min)\n";
    return 1;
  }
  rules::WellbeingRule rule(rules.wellbeing, rules.utc_offset);
  const auto j = nlohmann::json::parse(*state, nullptr, false);
  if (auto r = rule.restore_state(j); j.is_discarded() || !r) {
    std::cerr << "hearth: the saved routine cannot be read\n";
    return 1;
  }
  const auto routine = rule.routine_to_json();
  std::cout << (as_json ? routine.dump(2) + "\n" : rules::routine_to_text(routine));
  store->audit(actor(), "view_routine", "");
  return 0;
}

// --- hearth energy: the same figures as GET /api/v1/energy/*, /advice and /savings, from the
// database: the ledger is rebuilt from the stored readings of the last days (as hearthd does at
// start), year to date and savings come from the stored daily summaries.

std::string pounds(const nlohmann::json& pence) {
  if (!pence.is_number()) return "-";
  return rules::energy::format_pounds(pence.get<std::int64_t>());
}

std::string kwh(const nlohmann::json& usage) {
  const auto& k = usage.at("kwh");
  const double total = k.value("measured", 0.0) + k.value("bridged", 0.0) + k.value("estimated", 0.0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f kWh", total);
  return buf;
}

void print_energy_text(const std::string& what, const nlohmann::json& j) {
  if (what == "summary") {
    std::cout << "Energy for " << j.value("date", "") << " (tariff " << j["tariff"].value("id", "")
              << (j["tariff"].value("illustrative", false) ? ", illustrative rates" : "") << ")\n";
    for (const char* period : {"today", "week", "year_to_date", "projected_year"}) {
      const auto& p = j.at(period);
      std::cout << "  " << period << ": electricity " << kwh(p.at("electricity")) << " "
                << pounds(p["electricity"]["pence"]) << ", gas " << kwh(p.at("gas")) << " " << pounds(p["gas"]["pence"])
                << ", standing " << pounds(p["standing_pence"]) << ", total " << pounds(p["total_pence"]) << "\n";
    }
    if (j["baseload_w"].is_number())
      std::cout << "  baseload: " << j["baseload_w"].get<double>() << " W (" << j.value("baseload_provenance", "")
                << "), " << pounds(j["baseload_pence_per_year"]) << " a year\n";
    std::cout << "  fuel poverty: " << j["fuel_poverty"].value("status", "unknown") << ", cold-home hours "
              << j["fuel_poverty"].value("cold_home_hours", 0.0) << "\n";
  } else if (what == "appliances") {
    std::cout << "device,name,kind,today_kwh,today_pence,week_kwh,week_pence,standby_w\n";
    for (const auto& a : j.at("appliances")) {
      std::cout << csv(a.value("device_id", "")) << ',' << csv(a.value("name", "")) << ',' << a.value("kind", "") << ','
                << kwh(a["today"]).substr(0, kwh(a["today"]).find(' ')) << ',' << a["today"].value("pence", 0) << ','
                << kwh(a["week"]).substr(0, kwh(a["week"]).find(' ')) << ',' << a["week"].value("pence", 0) << ','
                << (a["standby"].is_object() ? std::to_string(a["standby"].value("standby_w", 0.0)) : "") << '\n';
    }
  } else if (what == "advice") {
    if (j.at("advice").empty()) std::cout << "No advice: nothing to change from the measured data.\n";
    for (const auto& a : j.at("advice")) {
      std::cout << "- [" << a.value("kind", "") << ", " << a.value("confidence", "") << ", "
                << pounds(a["saving_pence_per_year"]) << "/yr] " << a.value("text", "")
                << "\n    basis: " << a.value("basis", "") << "\n";
    }
  } else {
    const auto& saved = j.at("saved_kwh");
    std::cout << "Savings (" << j.value("kind", "") << "): baseline " << j["baseline"].value("from", "") << ".."
              << j["baseline"].value("to", "") << " (" << j.value("baseline_days", 0) << " days), reporting "
              << j["reporting"].value("from", "") << ".." << j["reporting"].value("to", "") << " ("
              << j.value("reporting_days", 0) << " days)\n  adjusted baseline " << j.value("adjusted_baseline_kwh", 0.0)
              << " kWh, actual " << j.value("actual_kwh", 0.0) << " kWh\n  saved " << saved.value("value", 0.0)
              << " kWh (95%: " << saved.value("low", 0.0) << " to " << saved.value("high", 0.0) << "), "
              << pounds(j["saved_pence"]["value"]) << "\n";
    for (const auto& w : j.at("warnings")) std::cout << "  warning: " << w.get<std::string>() << "\n";
  }
}

int show_energy(const std::string& db, const std::string& config_path, const std::string& what, bool as_json,
                const std::string& baseline_text, const std::string& reporting_text, const std::string& kind,
                const std::string& lang) {
  gateway::GatewayConfig config;
  if (!config_path.empty()) {
    auto cfg = gateway::load_config_file(config_path);
    if (!cfg) {
      std::cerr << "hearth: " << cfg.error().message << "\n";
      return 2;
    }
    config = std::move(*cfg);
  }
  auto store = open_store(db);
  gateway::DeviceRegistry registry;
  if (auto rows = store->devices()) {
    for (const auto& row : *rows) {
      if (gateway::Device* d = registry.touch(row.id, row.driver, core::from_epoch_ms(row.first_seen_ms))) {
        d->announced_name = row.announced_name;
      }
    }
  }
  registry.apply_settings(config.devices);
  gateway::EnergyService energy(*store, registry, config.energy);
  const auto now = core::now_ms();
  if (auto r = energy.restore(now, gateway::EnergyService::DEFAULT_REPLAY_DAYS, false); !r) {
    std::cerr << "hearth: " << r.error().message << "\n";
    return 1;
  }
  nlohmann::json out;
  if (what == "summary") {
    out = energy.summary_json(now);
  } else if (what == "appliances") {
    out = energy.appliances_json(now);
  } else if (what == "advice") {
    out = energy.advice_json(now, lang == "cy" ? rules::Language::cy : rules::Language::en);
  } else {
    const auto baseline = baseline_text.empty() ? config.energy.baseline : gateway::parse_day_range(baseline_text);
    const auto reporting = reporting_text.empty() ? config.energy.reporting : gateway::parse_day_range(reporting_text);
    if (!baseline || !reporting) {
      std::cerr << "hearth: --baseline and --reporting: YYYY-MM-DD..YYYY-MM-DD (or energy.baseline/reporting in "
                   "--config)\n";
      return 2;
    }
    auto result = energy.savings(*baseline, *reporting, kind);
    if (!result) {
      std::cerr << "hearth: no savings figure from the stored days: " << result.error().message << "\n";
      return 1;
    }
    out = rules::energy::savings_json(*result);
    out["baseline"] = {{"from", rules::energy::format_day(baseline->first)},
                       {"to", rules::energy::format_day(baseline->second)}};
    out["reporting"] = {{"from", rules::energy::format_day(reporting->first)},
                        {"to", rules::energy::format_day(reporting->second)}};
    out["kind"] = kind.empty() ? std::string("home electricity") : kind;
  }
  if (as_json)
    std::cout << out.dump(2) << "\n";
  else
    print_energy_text(what, out);
  store->audit(actor(), "view_energy_" + what, "");
  (void)store->flush();
  return 0;
}

int list_devices(const std::string& db) {
  auto store = open_store(db);
  auto rows = store->devices();
  if (!rows) {
    std::cerr << "hearth: " << rows.error().message << "\n";
    return 1;
  }
  std::cout << "id,driver,model,name,first_seen,last_seen\n";
  for (const auto& d : *rows) {
    std::cout << csv(d.id) << ',' << d.driver << ',' << csv(d.model) << ',' << csv(d.announced_name) << ','
              << iso_utc(d.first_seen_ms) << ',' << iso_utc(d.last_seen_ms) << '\n';
  }
  store->audit(actor(), "list_devices", "");
  return 0;
}

int write_series(Store& store, std::ostream& out, const std::string& device, const std::string& metric_name,
                 std::int64_t from, std::int64_t to, gateway::Resolution res, bool with_ids) {
  const auto metric = core::metric_from_string(metric_name);
  if (!metric) {
    std::cerr << "hearth: unknown metric " << metric_name << "\n";
    return 2;
  }
  auto points = store.readings(device, *metric, from, to, res, std::numeric_limits<std::int32_t>::max());
  if (!points) {
    std::cerr << "hearth: " << points.error().message << "\n";
    return 1;
  }
  for (const auto& p : *points) {
    if (with_ids) out << csv(device) << ',' << metric_name << ',';
    out << p.ts_ms << ',' << iso_utc(p.ts_ms) << ',' << p.value;
    if (res != gateway::Resolution::raw) out << ',' << p.min << ',' << p.max << ',' << p.count;
    out << '\n';
  }
  store.audit(actor(), "read_readings", device + " " + metric_name);
  return 0;
}

// Alert events go to standard output as JSON lines; logs and diagnostics to standard error.
int run_replay(const std::string& input_path, const std::string& config_path, const std::string& tick_text,
               const std::string& energy_path) {
  auto logger = spdlog::stderr_color_mt("hearth");
  logger->set_pattern("%l %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  gateway::ReplayOptions options;
  const auto tick = gateway::parse_duration(tick_text);
  if (!tick) {
    std::cerr << "hearth: --tick: not a duration (e.g. 30s, 500ms, 5m): " << tick_text << "\n";
    return 2;
  }
  options.tick = *tick;
  auto loaded = config_path.empty() ? core::Result<gateway::GatewayConfig>(gateway::GatewayConfig{})
                                    : gateway::load_config_file(config_path);
  if (!loaded) {
    std::cerr << "hearth: " << loaded.error().message << "\n";
    return 2;
  }
  auto config = gateway::finalise_config(std::move(*loaded), {});
  if (!config) {
    std::cerr << "hearth: " << config.error().message << "\n";
    return 2;
  }
  std::ifstream file;
  if (input_path != "-") {
    file.open(input_path);
    if (!file) {
      std::cerr << "hearth: cannot read " << input_path << "\n";
      return 2;
    }
  }
  std::istream& in = input_path == "-" ? std::cin : file;
  std::ofstream energy_file;
  if (!energy_path.empty()) {
    energy_file.open(energy_path, std::ios::trunc);
    if (!energy_file) {
      std::cerr << "hearth: cannot write " << energy_path << "\n";
      return 2;
    }
    options.energy_out = &energy_file;
  }
  auto stats = gateway::replay(in, *config, std::cout, options);
  if (!stats) {
    std::cerr << "hearth: " << stats.error().message << "\n";
    return 1;
  }
  std::cerr << "replay: " << stats->lines << " lines, " << stats->messages << " messages, " << stats->malformed
            << " malformed, " << stats->out_of_order << " out of order, " << stats->ticks << " ticks, "
            << stats->gaps_skipped << " long gaps shortened, " << stats->events << " alert events\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"hearth - query a Hearth gateway's database"};
  cli.require_subcommand(1);
  std::string db = "/var/lib/hearth/hearth.db";
  cli.add_option("--db", db, "database path")->capture_default_str();

  auto* devices = cli.add_subcommand("devices", "list known devices as CSV");

  std::string device, metric, resolution = "raw";
  std::int64_t from = 0, to = std::numeric_limits<std::int64_t>::max();
  auto* readings = cli.add_subcommand("readings", "one device's readings as CSV (ts_ms,time_utc,value)");
  readings->add_option("--device", device, "device id, e.g. tasmota:kettle_plug")->required();
  readings->add_option("--metric", metric, "metric, e.g. power_w")->required();
  readings->add_option("--from", from, "UTC epoch ms (inclusive)");
  readings->add_option("--to", to, "UTC epoch ms (exclusive)");
  readings->add_option("--resolution", resolution, "raw, minute or hour")
      ->check(CLI::IsMember({"raw", "minute", "hour"}));

  std::string output = "-";
  auto* exp = cli.add_subcommand("export", "every series as CSV (device,metric,ts_ms,time_utc,value)");
  exp->add_option("--from", from, "UTC epoch ms (inclusive)");
  exp->add_option("--to", to, "UTC epoch ms (exclusive)");
  exp->add_option("--resolution", resolution, "raw, minute or hour")->check(CLI::IsMember({"raw", "minute", "hour"}));
  exp->add_option("--output,-o", output, "file, or - for standard output");

  std::string input, config_path, tick = "30s";
  auto* rep = cli.add_subcommand("replay",
                                 "run recorded traffic (JSON lines) through the pipeline and rules on a "
                                 "simulated clock; alert events as JSON lines (docs/alerts.md)");
  rep->add_option("--input", input, "recording: JSON lines {topic,payload,ts_ms|time,retain}, or - for stdin")
      ->required();
  rep->add_option("--config", config_path, "home.yaml (devices, rooms, rules); defaults without");
  rep->add_option("--tick", tick, "rule tick of simulated time, e.g. 30s, 500ms, 1m")->capture_default_str();
  std::string energy_out;
  rep->add_option("--energy", energy_out,
                  "also run energy accounting and write its figures (appliances, summary, daily summaries) "
                  "as JSON to this file");
  bool routine_as_json = false;
  auto* routine = cli.add_subcommand("routine",
                                     "the learned daily routine (wellbeing) as hearthd last saved it (every 10 min "
                                     "and at stop); --config applies the home's wellbeing settings");
  routine->add_option("--config", config_path, "home.yaml");
  routine->add_flag("--json", routine_as_json, "print JSON (as GET /api/v1/routine)");
  bool energy_as_json = false;
  std::string baseline, reporting, kind, lang = "en";
  auto* energy = cli.add_subcommand("energy",
                                    "energy use, cost, advice and measured savings from the database (as "
                                    "GET /api/v1/energy/*, /advice, /savings)");
  energy->require_subcommand(1);
  for (const char* what : {"summary", "appliances", "advice", "savings"}) {
    auto* sub = energy->add_subcommand(what, std::string("energy ") + what);
    sub->add_option("--config", config_path, "hearth.yaml (tariff, devices, income band)");
    sub->add_flag("--json", energy_as_json, "print JSON (as the API)");
    if (std::string_view(what) == "advice")
      sub->add_option("--lang", lang, "en or cy")->check(CLI::IsMember({"en", "cy"}));
    if (std::string_view(what) == "savings") {
      sub->add_option("--baseline", baseline, "YYYY-MM-DD..YYYY-MM-DD");
      sub->add_option("--reporting", reporting, "YYYY-MM-DD..YYYY-MM-DD");
      sub->add_option("--kind", kind, "one appliance kind instead of the home's electricity");
    }
  }
  CLI11_PARSE(cli, argc, argv);

  if (*energy) {
    for (const auto* sub : energy->get_subcommands()) {
      return show_energy(db, config_path, sub->get_name(), energy_as_json, baseline, reporting, kind, lang);
    }
  }
  if (*rep) return run_replay(input, config_path, tick, energy_out);
  if (*routine) return show_routine(db, config_path, routine_as_json);

  const auto res = *gateway::resolution_from_string(resolution);
  if (*devices) return list_devices(db);
  auto store = open_store(db);
  if (*readings) {
    std::cout << "ts_ms,time_utc,value" << (res != gateway::Resolution::raw ? ",min,max,count" : "") << '\n';
    return write_series(*store, std::cout, device, metric, from, to, res, false);
  }
  std::ofstream file;
  if (output != "-") {
    file.open(output, std::ios::trunc);
    if (!file) {
      std::cerr << "hearth: cannot write " << output << "\n";
      return 2;
    }
  }
  std::ostream& out = output == "-" ? std::cout : file;
  out << "device,metric,ts_ms,time_utc,value" << (res != gateway::Resolution::raw ? ",min,max,count" : "") << '\n';
  auto all = store->series();
  if (!all) {
    std::cerr << "hearth: " << all.error().message << "\n";
    return 1;
  }
  for (const auto& [dev, met] : *all) {
    if (int rc = write_series(*store, out, dev, met, from, to, res, true); rc != 0) return rc;
  }
  // The stored daily energy summaries (one JSON document per local day) belong to the export too:
  // device "home", metric "energy_daily_summary", the time it was written, the summary as the value.
  auto days = store->energy_days("0000-01-01", "9999-12-31");
  if (!days) {
    std::cerr << "hearth: " << days.error().message << "\n";
    return 1;
  }
  for (const auto& d : *days) {
    out << "home,energy_daily_summary," << d.created_ms << ',' << iso_utc(d.created_ms) << ',' << csv(d.summary_json)
        << '\n';
  }
  if (!days->empty()) store->audit(actor(), "export_energy_summaries", std::to_string(days->size()) + " days");
  return 0;
}
