#pragma once
// Unit conversions used by drivers. Conversion happens only at ingestion.
namespace hearth::core::units {

constexpr double fahrenheit_to_celsius(double f) { return (f - 32.0) * 5.0 / 9.0; }
constexpr double wh_to_kwh(double wh) { return wh / 1000.0; }
constexpr double watt_minutes_to_kwh(double wmin) { return wmin / 60000.0; }
constexpr double mwh_to_kwh(double mwh) { return mwh / 1.0e6; }
constexpr double kw_to_w(double kw) { return kw * 1000.0; }

}  // namespace hearth::core::units
