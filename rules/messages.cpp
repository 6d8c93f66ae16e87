#include "rules/messages.h"

#include <array>
#include <string>

namespace hearth::rules {
namespace {

struct Entry {
  std::string_view key;
  std::string_view en;
  std::string_view cy;
};

// The Welsh strings are a first draft and MUST be reviewed by a fluent Welsh speaker before
// release (carers rely on them at night; a stilted or wrong phrase erodes trust).
constexpr std::array CATALOGUE = {
    Entry{"cold_home", "{room} {value} °C for {duration_min}, below {threshold} °C (cold-home risk)",
          "{room} {value} °C ers {duration_min}, o dan {threshold} °C (perygl cartref oer)"},
    Entry{"cool_home", "{room} {value} °C for {duration_min}, below the advised {threshold} °C",
          "{room} {value} °C ers {duration_min}, o dan y {threshold} °C a argymhellir"},
    Entry{"overheating", "{room} {value} °C at night for {duration_min}, above {threshold} °C",
          "{room} {value} °C yn y nos ers {duration_min}, uwchben {threshold} °C"},
    Entry{"threshold_below", "{device} ({room}) {metric} {value} for {duration_min}, below {threshold}",
          "{device} ({room}) {metric} {value} ers {duration_min}, o dan {threshold}"},
    Entry{"threshold_above", "{device} ({room}) {metric} {value} for {duration_min}, above {threshold}",
          "{device} ({room}) {metric} {value} ers {duration_min}, uwchben {threshold}"},
    Entry{"smoke", "Smoke detected in {room} ({device})", "Mwg wedi'i ganfod yn {room} ({device})"},
    Entry{"co", "Carbon monoxide detected in {room} ({device})", "Carbon monocsid wedi'i ganfod yn {room} ({device})"},
    Entry{"water_leak", "Water leak in {room} ({device})", "Dŵr yn gollwng yn {room} ({device})"},
    Entry{"appliance_left_on", "{device} in {room} on for {duration_min} ({power} W) with nobody in the room",
          "{device} yn {room} ymlaen ers {duration_min} ({power} W) heb neb yn yr ystafell"},
    Entry{"appliance_left_on_auto_off",
          "{device} in {room} on for {duration_min} ({power} W) with nobody in the room; Hearth is switching it off",
          "{device} yn {room} ymlaen ers {duration_min} ({power} W) heb neb yn yr ystafell; mae Hearth yn ei "
          "ddiffodd"},
    Entry{"inactivity", "No movement or appliance use for {duration_min}",
          "Dim symud na defnydd o offer ers {duration_min}"},
    Entry{"night_door", "{device} in {room} opened at {time} during the night",
          "{device} yn {room} wedi'i agor am {time} yn ystod y nos"},
    // --- wellbeing (learned routine, wellbeing_rule.h): each states the usual window and what was seen ---
    Entry{"wellbeing_not_up",
          "Not up yet: usually up by {usual} (latest {latest} in {days} days); no activity by {time}",
          "Heb godi eto: fel arfer wedi codi erbyn {usual} (hwyraf {latest} mewn {days} diwrnod); dim gweithgarwch "
          "erbyn {time}"},
    Entry{
        "wellbeing_no_meal",
        "No kettle or meal appliance used yet: usually by {usual} (latest {latest} in {days} days); nothing by {time}",
        "Dim tegell nac offer bwyd wedi'i ddefnyddio eto: fel arfer erbyn {usual} (hwyraf {latest} mewn {days} "
        "diwrnod); dim byd erbyn {time}"},
    Entry{"wellbeing_night",
          "Unusual night-time activity: {active_min} between {from} and {to} at usually quiet times (usually at most "
          "{usual_min} in {days} nights)",
          "Gweithgarwch anarferol yn y nos: {active_min} rhwng {from} a {to} ar adegau sydd fel arfer yn dawel (fel "
          "arfer dim mwy na {usual_min} mewn {days} noson)"},
    Entry{"wellbeing_absence",
          "Out of the home for {duration_min} since {since}, longer than usual (longest usually {usual_min} in {days} "
          "days)",
          "Allan o'r cartref am {duration_min} ers {since}, yn hirach nag arfer (yr hiraf fel arfer {usual_min} mewn "
          "{days} diwrnod)"},
    Entry{"wellbeing_bathroom",
          "{visits} bathroom visits today, far above usual (usually {usual}, at most {max} in {days} days); a possible "
          "sign of infection",
          "{visits} ymweliad â'r ystafell ymolchi heddiw, llawer mwy nag arfer (fel arfer {usual}, dim mwy na {max} "
          "mewn {days} diwrnod); arwydd posibl o haint"},
    Entry{"wellbeing_trend",
          "Daily wellbeing score falling for two weeks: {score_now} this week against {score_before} the week before "
          "(out of 100)",
          "Sgôr lles dyddiol yn gostwng ers pythefnos: {score_now} yr wythnos hon o'i gymharu â {score_before} yr "
          "wythnos cynt (allan o 100)"},
    // --- end wellbeing ---
    Entry{"device_offline", "{device} ({room}) offline for {duration_min}",
          "{device} ({room}) all-lein ers {duration_min}"},
    Entry{"device_stale", "{device} ({room}) has sent no data for {duration_min} (usually every {interval_min})",
          "Dim data gan {device} ({room}) ers {duration_min} (fel arfer bob {interval_min})"},
    Entry{"battery_low", "{device} ({room}) battery at {battery} %", "Batri {device} ({room}) ar {battery} %"},
    // Gateway-side device health and actions (clock, automatic switch-off).
    Entry{"clock_unsynchronised",
          "The Hearth box's clock has not been set from the internet for {duration_min}: times shown may be wrong",
          "Nid yw cloc y blwch Hearth wedi'i osod o'r rhyngrwyd ers {duration_min}: gall yr amseroedd fod yn anghywir"},
    Entry{"callback_requested", "{who} asked for a call back", "Mae {who} wedi gofyn am alwad yn ôl"},
    Entry{"callback_requested_tv", "A call back was asked for from the TV", "Gofynnwyd am alwad yn ôl o'r teledu"},
    Entry{"switch_off_failed", "Hearth could not switch off {device} in {room} ({reason}); please check it",
          "Ni allai Hearth ddiffodd {device} yn {room} ({reason}); gwiriwch ef os gwelwch yn dda"},
    // --- energy (energy_advice.h): every tip states what was measured and the saving in pounds ---
    Entry{"energy_standby",
          "Your {device} draws {standby_w} W on standby for about {hours} hours a day: about {cost_year} a year. "
          "Switching it off at the plug from {from} to {to} would save about {saving_year} a year.",
          "Mae eich {device} yn defnyddio {standby_w} W ar fodd segur am tua {hours} awr y dydd: tua {cost_year} y "
          "flwyddyn. Byddai ei ddiffodd wrth y plwg rhwng {from} a {to} yn arbed tua {saving_year} y flwyddyn."},
    Entry{"energy_peak_shift",
          "Your {device} used {kwh} kWh at the higher rate in the last {days} days. Running it in the cheaper hours "
          "({from} to {to}) would save about {saving_year} a year. Fire services advise against leaving it running "
          "while everyone is asleep: start it when someone is up, for example early in the morning.",
          "Defnyddiodd eich {device} {kwh} kWh ar y gyfradd uwch yn ystod y {days} diwrnod diwethaf. Byddai ei redeg "
          "yn yr oriau rhatach ({from} i {to}) yn arbed tua {saving_year} y flwyddyn. Mae'r gwasanaeth tân yn cynghori "
          "i beidio â'i adael yn rhedeg tra bo pawb yn cysgu: dechreuwch ef pan fo rhywun ar ddihun, er enghraifft yn "
          "gynnar yn y bore."},
    Entry{"energy_heater_window_open",
          "Your {device} in {room} used {kwh} kWh ({cost}) in the last {days} days while a window or door in the room "
          "was open. Closing it while the heater is on could save up to {saving_year} over the heating season.",
          "Defnyddiodd eich {device} yn {room} {kwh} kWh ({cost}) yn ystod y {days} diwrnod diwethaf tra oedd ffenestr "
          "neu ddrws yn yr ystafell ar agor. Gallai ei gau tra bo'r gwresogydd ymlaen arbed hyd at {saving_year} dros "
          "dymor y gwresogi."},
    Entry{"energy_heating_empty_room",
          "Your {device} in {room} used {kwh} kWh ({cost}) in the last {days} days while nobody had been in the room "
          "for over an hour (the room stayed at 18 °C or more). Turning it down or off then could save up to "
          "{saving_year} over the heating season.",
          "Defnyddiodd eich {device} yn {room} {kwh} kWh ({cost}) yn ystod y {days} diwrnod diwethaf pan nad oedd neb "
          "wedi bod yn yr ystafell ers dros awr (arhosodd yr ystafell ar 18 °C neu'n uwch). Gallai ei droi i lawr neu "
          "i ffwrdd bryd hynny arbed hyd at {saving_year} dros dymor y gwresogi."},
    Entry{"energy_fridge_ageing",
          "Your {device}'s compressor now runs {duty_now}% of the time, up from {duty_before}% {weeks} weeks ago: "
          "about {extra_kwh} kWh ({saving_year}) a year more. Check the door seal and defrost it; if it is old, a new "
          "efficient one may pay for itself.",
          "Mae cywasgydd eich {device} bellach yn rhedeg {duty_now}% o'r amser, i fyny o {duty_before}% {weeks} "
          "wythnos yn ôl: tua {extra_kwh} kWh ({saving_year}) y flwyddyn yn fwy. Gwiriwch sêl y drws a'i ddadrewi; os "
          "yw'n hen, gall un newydd effeithlon dalu amdano'i hun."},
    // Rule of care: a cold room gets help, never "heat less" (energy_advice.h).
    Entry{"energy_cold_home_wales",
          "{room} was below {threshold} °C for {hours} hours in the last {days} days while someone was at home "
          "(lowest {min_c} °C). Keeping warm matters for health: please heat it to at least {threshold} °C. Free help "
          "with heating costs and home improvements: Nest, 0808 808 2244 (nest.gov.wales); ask your energy supplier "
          "about the Warm Home Discount.",
          "Roedd {room} o dan {threshold} °C am {hours} awr yn ystod y {days} diwrnod diwethaf tra oedd rhywun gartref "
          "(isaf {min_c} °C). Mae cadw'n gynnes yn bwysig i'ch iechyd: cynheswch yr ystafell i {threshold} °C o leiaf. "
          "Help am ddim gyda chostau gwresogi a gwella'r cartref: Nyth, 0808 808 2244 (nest.gov.wales); gofynnwch i'ch "
          "cyflenwr ynni am y Gostyngiad Cartrefi Cynnes."},
    Entry{"energy_cold_home_gb",
          "{room} was below {threshold} °C for {hours} hours in the last {days} days while someone was at home "
          "(lowest {min_c} °C). Keeping warm matters for health: please heat it to at least {threshold} °C. For help "
          "with heating costs ask your energy supplier about the Warm Home Discount, and your council or Citizens "
          "Advice about other support.",
          "Roedd {room} o dan {threshold} °C am {hours} awr yn ystod y {days} diwrnod diwethaf tra oedd rhywun gartref "
          "(isaf {min_c} °C). Mae cadw'n gynnes yn bwysig i'ch iechyd: cynheswch yr ystafell i {threshold} °C o leiaf. "
          "Am help gyda chostau gwresogi, gofynnwch i'ch cyflenwr ynni am y Gostyngiad Cartrefi Cynnes, ac i'ch cyngor "
          "neu Cyngor ar Bopeth am gymorth arall."},
    Entry{"energy_fuel_poverty_share",
          "Energy costs this home about {cost_year} a year, {share_low} to {share_high} of the household's income. "
          "Spending more than {threshold} counts as fuel poverty in Wales: Nest can help, 0808 808 2244.",
          "Mae ynni'n costio tua {cost_year} y flwyddyn i'r cartref hwn, {share_low} i {share_high} o incwm yr "
          "aelwyd. Mae gwario mwy na {threshold} yn cyfrif fel tlodi tanwydd yng Nghymru: gall Nyth helpu, "
          "0808 808 2244."},
    // --- end energy ---
    // --- dashboard UI (ui.*; dashboard/www/ and coordinator/www/): every word the TV, carer, setup and co-op
    // pages show. Placeholders are filled in the browser (common.js). Welsh pending review by a fluent speaker, as
    // above. One entry per line so a translator can review them side by side.
    // clang-format off
    Entry{"ui.common.loading", "Loading…", "Yn llwytho…"},
    Entry{"ui.common.error", "Something went wrong: {error}", "Aeth rhywbeth o'i le: {error}"},
    Entry{"ui.common.live_lost", "Live updates paused; reconnecting…",
          "Diweddariadau byw wedi'u hoedi; yn ailgysylltu…"},
    Entry{"ui.common.switch_language", "Cymraeg", "English"},
    Entry{"ui.severity.info", "Information", "Gwybodaeth"},
    Entry{"ui.severity.warning", "Warning", "Rhybudd"},
    Entry{"ui.severity.urgent", "Urgent", "Brys"},
    Entry{"ui.severity.emergency", "Emergency", "Argyfwng"},
    Entry{"ui.alert.state.raised", "New", "Newydd"},
    Entry{"ui.alert.state.notified", "Carers told", "Gofalwyr wedi cael gwybod"},
    Entry{"ui.alert.state.acknowledged", "Acknowledged", "Wedi'i gydnabod"},
    Entry{"ui.alert.state.resolved", "Closed", "Wedi'i gau"},
    Entry{"ui.room.state.warm", "Warm", "Cynnes"},
    Entry{"ui.room.state.ok", "Comfortable", "Cyfforddus"},
    Entry{"ui.room.state.cool", "Cool", "Oeraidd"},
    Entry{"ui.room.state.cold", "Cold", "Oer"},
    Entry{"ui.role.householder", "Householder", "Deiliad y tŷ"},
    Entry{"ui.role.carer", "Carer", "Gofalwr"},
    Entry{"ui.role.coordinator", "Coordinator", "Cydlynydd"},
    Entry{"ui.role.admin", "Administrator", "Gweinyddwr"},
    Entry{"ui.login.heading", "Sign in", "Mewngofnodi"},
    Entry{"ui.login.username", "Username", "Enw defnyddiwr"},
    Entry{"ui.login.password", "Password", "Cyfrinair"},
    Entry{"ui.login.submit", "Sign in", "Mewngofnodi"},
    Entry{"ui.login.failed", "Wrong username or password", "Enw defnyddiwr neu gyfrinair anghywir"},
    Entry{"ui.login.locked", "Too many attempts. Try again in {minutes} min.",
          "Gormod o ymdrechion. Rhowch gynnig arall ymhen {minutes} munud."},
    Entry{"ui.logout", "Sign out", "Allgofnodi"},
    Entry{"ui.tv.title", "Your home", "Eich cartref"},
    Entry{"ui.tv.help", "Arrows to move, OK to choose, Back to return",
          "Saethau i symud, OK i ddewis, Yn ôl i ddychwelyd"},
    Entry{"ui.tv.setup.heading", "Welcome to Hearth", "Croeso i Hearth"},
    Entry{"ui.tv.setup.instruction", "To set up, open {url} on a phone and enter this code:",
          "I osod, agorwch {url} ar ffôn a rhowch y cod hwn:"},
    Entry{"ui.tv.setup.fingerprint",
          "The phone may warn about this box's certificate. Go on only if its SHA-256 fingerprint is:",
          "Gall y ffôn rybuddio am dystysgrif y blwch. Ewch ymlaen dim ond os mai dyma ei olion bys SHA-256:"},
    Entry{"ui.tv.setup.waiting", "This screen changes once setup is done.",
          "Bydd y sgrin hon yn newid ar ôl gorffen gosod."},
    Entry{"ui.tv.cards.label", "Card {n} of {total}. Left and right to change.",
          "Cerdyn {n} o {total}. Chwith a de i newid."},
    Entry{"ui.tv.card.energy.title", "Today's energy", "Ynni heddiw"},
    Entry{"ui.tv.card.energy.not_measured", "Not measured yet", "Heb ei fesur eto"},
    Entry{"ui.tv.card.energy.cost_today", "£{cost} so far today", "£{cost} hyd yma heddiw"},
    Entry{"ui.tv.card.energy.usual", "A usual day by now: £{cost}", "Diwrnod arferol erbyn hyn: £{cost}"},
    Entry{"ui.tv.card.energy.kwh_today", "{kwh} kWh used today", "{kwh} kWh wedi'i ddefnyddio heddiw"},
    Entry{"ui.tv.card.energy.biggest", "Biggest users today", "Y defnyddwyr mwyaf heddiw"},
    Entry{"ui.tv.card.rooms.title", "Rooms", "Ystafelloedd"},
    Entry{"ui.tv.card.rooms.none", "No room temperatures yet", "Dim tymereddau ystafell eto"},
    Entry{"ui.tv.card.advice.title", "Advice", "Cyngor"},
    Entry{"ui.tv.card.advice.saving", "Could save about £{pounds} a year", "Gallai arbed tua £{pounds} y flwyddyn"},
    Entry{"ui.tv.card.wellbeing.title", "Wellbeing", "Lles"},
    Entry{"ui.tv.card.wellbeing.all_well", "All is well", "Mae popeth yn iawn"},
    Entry{"ui.tv.alert.telling", "Hearth is letting your carer know", "Mae Hearth yn rhoi gwybod i'ch gofalwr"},
    Entry{"ui.tv.alert.seen", "Your carer has seen this", "Mae eich gofalwr wedi gweld hyn"},
    Entry{"ui.tv.alert.more", "and {count} more", "a {count} arall"},
    Entry{"ui.tv.callback.button", "Ask for a call back", "Gofyn am alwad yn ôl"},
    Entry{"ui.tv.callback.confirm", "Ask your carer to phone you?", "Gofyn i'ch gofalwr eich ffonio?"},
    Entry{"ui.tv.callback.yes", "Yes, ask them", "Ie, gofynnwch"},
    Entry{"ui.tv.callback.no", "No, go back", "Na, yn ôl"},
    Entry{"ui.tv.callback.sent", "Your carer has been asked to call you back",
          "Gofynnwyd i'ch gofalwr eich ffonio'n ôl"},
    Entry{"ui.tv.away.label", "Away", "I ffwrdd"},
    Entry{"ui.tv.away.on", "I am away", "Rydw i i ffwrdd"},
    Entry{"ui.tv.away.off", "I am at home", "Rydw i gartref"},
    Entry{"ui.tv.action_failed", "That did not work. Please try again.",
          "Ni weithiodd hynny. Rhowch gynnig arall arni."},
    Entry{"ui.carer.title", "Hearth for carers", "Hearth i ofalwyr"},
    Entry{"ui.carer.signed_in_as", "Signed in as {name}", "Wedi mewngofnodi fel {name}"},
    Entry{"ui.carer.not_allowed", "This account cannot use the carer view.",
          "Ni all y cyfrif hwn ddefnyddio'r olwg gofalwr."},
    Entry{"ui.carer.alerts.heading", "Open alerts", "Rhybuddion agored"},
    Entry{"ui.carer.alerts.none", "No open alerts", "Dim rhybuddion agored"},
    Entry{"ui.carer.alert.raised_at", "Raised {time}", "Codwyd {time}"},
    Entry{"ui.carer.alert.evidence", "Evidence", "Tystiolaeth"},
    Entry{"ui.carer.alert.acknowledged_by", "Acknowledged by {who} at {time}", "Wedi'i gydnabod gan {who} am {time}"},
    Entry{"ui.carer.alert.note", "Note (optional)", "Nodyn (dewisol)"},
    Entry{"ui.carer.alert.ack", "Acknowledge", "Cydnabod"},
    Entry{"ui.carer.alert.resolve", "Resolve", "Datrys"},
    Entry{"ui.carer.status.heading", "Home status", "Statws y cartref"},
    Entry{"ui.carer.status.last_activity", "Last activity", "Gweithgarwch diwethaf"},
    Entry{"ui.carer.status.no_activity", "No activity seen yet", "Dim gweithgarwch wedi'i weld eto"},
    Entry{"ui.carer.status.away", "The householder is away", "Mae deiliad y tŷ i ffwrdd"},
    Entry{"ui.carer.status.at_home", "The householder is at home", "Mae deiliad y tŷ gartref"},
    Entry{"ui.carer.status.offline", "Devices offline", "Dyfeisiau all-lein"},
    Entry{"ui.carer.status.all_online", "All devices online", "Pob dyfais ar-lein"},
    Entry{"ui.carer.status.wellbeing", "Wellbeing score", "Sgôr lles"},
    Entry{"ui.carer.charts.heading", "Charts", "Siartiau"},
    Entry{"ui.carer.charts.temperature", "Temperature (°C)", "Tymheredd (°C)"},
    Entry{"ui.carer.charts.energy", "Energy used (kWh)", "Ynni a ddefnyddiwyd (kWh)"},
    Entry{"ui.carer.charts.day", "Last 24 hours", "24 awr diwethaf"},
    Entry{"ui.carer.charts.week", "Last 7 days", "7 diwrnod diwethaf"},
    Entry{"ui.carer.charts.no_data", "No data for this period", "Dim data ar gyfer y cyfnod hwn"},
    Entry{"ui.carer.history.heading", "Recent alerts", "Rhybuddion diweddar"},
    Entry{"ui.carer.history.none", "No recent alerts", "Dim rhybuddion diweddar"},
    Entry{"ui.carer.history.closed_by", "Closed by {who} at {time}", "Caewyd gan {who} am {time}"},
    Entry{"ui.setup.title", "Hearth setup", "Gosod Hearth"},
    Entry{"ui.setup.first_run.heading", "Create the first account", "Creu'r cyfrif cyntaf"},
    Entry{"ui.setup.first_run.intro",
          "Enter the code shown on the TV, then choose the administrator's name and password.",
          "Rhowch y cod sydd ar y teledu, yna dewiswch enw a chyfrinair y gweinyddwr."},
    Entry{"ui.setup.code", "Setup code", "Cod gosod"},
    Entry{"ui.setup.display_name", "Full name", "Enw llawn"},
    Entry{"ui.setup.password_repeat", "Password again", "Cyfrinair eto"},
    Entry{"ui.setup.password_rules", "At least 10 characters", "O leiaf 10 nod"},
    Entry{"ui.setup.username_rules", "Up to 32 of a–z, 0–9, dot, underscore and dash",
          "Hyd at 32 o a–z, 0–9, atalnod, tanlinell a llinell doriad"},
    Entry{"ui.setup.language", "Language", "Iaith"},
    Entry{"ui.setup.submit", "Create account", "Creu cyfrif"},
    Entry{"ui.setup.error.code", "That code is not right. Check the TV.",
          "Nid yw'r cod hwnnw'n gywir. Gwiriwch y teledu."},
    Entry{"ui.setup.error.done", "Hearth is already set up. Sign in below.",
          "Mae Hearth eisoes wedi'i osod. Mewngofnodwch isod."},
    Entry{"ui.setup.error.mismatch", "The passwords do not match", "Nid yw'r cyfrineiriau'n cyfateb"},
    Entry{"ui.setup.error.short", "The password must be at least 10 characters",
          "Rhaid i'r cyfrinair fod yn o leiaf 10 nod"},
    Entry{"ui.setup.accounts.heading", "Accounts", "Cyfrifon"},
    Entry{"ui.setup.accounts.add", "Add an account", "Ychwanegu cyfrif"},
    Entry{"ui.setup.accounts.role", "Role", "Rôl"},
    Entry{"ui.setup.accounts.delete", "Delete", "Dileu"},
    Entry{"ui.setup.accounts.delete_confirm", "Delete the account {username}?", "Dileu'r cyfrif {username}?"},
    Entry{"ui.setup.accounts.created", "Account {username} created", "Crëwyd y cyfrif {username}"},
    Entry{"ui.setup.accounts.you", "(you)", "(chi)"},
    Entry{"ui.setup.accounts.admin_only", "Only an administrator can manage accounts.",
          "Dim ond gweinyddwr all reoli cyfrifon."},
    Entry{"ui.setup.open_carer", "Open the carer view", "Agor yr olwg gofalwr"},
    Entry{"ui.setup.save", "Save", "Cadw"},
    Entry{"ui.setup.devices.heading", "Devices", "Dyfeisiau"},
    Entry{"ui.setup.devices.intro", "Give each plug and sensor a name, a room and what it is. Hearth uses them in alerts and advice.",
          "Rhowch enw, ystafell a math i bob plwg a synhwyrydd. Mae Hearth yn eu defnyddio mewn rhybuddion a chyngor."},
    Entry{"ui.setup.devices.none", "No devices yet. Plug one in and it appears here.",
          "Dim dyfeisiau eto. Plygiwch un i mewn a bydd yn ymddangos yma."},
    Entry{"ui.setup.devices.seen", "{model} ({driver})", "{model} (gyrrwr {driver})"},
    Entry{"ui.setup.devices.not_seen", "not seen yet", "heb ei gweld eto"},
    Entry{"ui.setup.devices.name", "Name", "Enw"},
    Entry{"ui.setup.devices.room", "Room", "Ystafell"},
    Entry{"ui.setup.devices.kind", "What it is", "Beth ydyw"},
    Entry{"ui.setup.devices.essential", "Essential: never switch it off (fridge, medical equipment)",
          "Hanfodol: peidiwch byth â'i diffodd (oergell, offer meddygol)"},
    Entry{"ui.setup.devices.switchable", "Hearth may switch it off when it is left on unsafely",
          "Caiff Hearth ei diffodd pan gaiff ei gadael ymlaen yn anniogel"},
    Entry{"ui.setup.devices.safety_admin", "Only the installer (an admin) changes what may be switched off.",
          "Dim ond y gosodwr (gweinyddwr) sy'n newid beth gaiff ei ddiffodd."},
    Entry{"ui.setup.devices.saved", "{name} saved", "Cadwyd {name}"},
    Entry{"ui.kind.kettle", "Kettle", "Tegell"},
    Entry{"ui.kind.fridge", "Fridge", "Oergell"},
    Entry{"ui.kind.tv", "TV", "Teledu"},
    Entry{"ui.kind.heater", "Heater", "Gwresogydd"},
    Entry{"ui.kind.cooker", "Cooker", "Popty"},
    Entry{"ui.kind.microwave", "Microwave", "Microdon"},
    Entry{"ui.kind.washing_machine", "Washing machine", "Peiriant golchi"},
    Entry{"ui.kind.medical", "Medical equipment", "Offer meddygol"},
    Entry{"ui.kind.lamp", "Lamp", "Golau"},
    Entry{"ui.kind.other", "Something else", "Rhywbeth arall"},
    Entry{"ui.kind.dishwasher", "Dishwasher", "Peiriant golchi llestri"},
    Entry{"ui.kind.tumble_dryer", "Tumble dryer", "Sychwr dillad"},
    Entry{"ui.kind.freezer", "Freezer", "Rhewgell"},
    Entry{"ui.kind.fridge_freezer", "Fridge freezer", "Oergell-rewgell"},
    Entry{"ui.kind.set_top_box", "Set-top box", "Blwch teledu"},
    Entry{"ui.kind.av", "TV and sound equipment", "Offer teledu a sain"},
    Entry{"ui.kind.hifi", "Hi-fi", "System sain"},
    Entry{"ui.kind.games_console", "Games console", "Consol gemau"},
    Entry{"ui.kind.computer", "Computer", "Cyfrifiadur"},
    Entry{"ui.kind.monitor", "Computer screen", "Sgrin cyfrifiadur"},
    Entry{"ui.kind.printer", "Printer", "Argraffydd"},
    Entry{"ui.kind.coffee_machine", "Coffee machine", "Peiriant coffi"},
    Entry{"ui.kind.speaker", "Speaker", "Seinydd"},
    Entry{"ui.kind.charger", "Charger", "Gwefrydd"},
    Entry{"ui.kind.router", "Internet router", "Llwybrydd rhyngrwyd"},
    Entry{"ui.kind.storage_heater", "Storage heater", "Gwresogydd storio"},
    Entry{"ui.kind.panel_heater", "Panel heater", "Gwresogydd panel"},
    Entry{"ui.kind.fan_heater", "Fan heater", "Gwresogydd ffan"},
    Entry{"ui.kind.oil_heater", "Oil-filled radiator", "Rheiddiadur olew"},
    Entry{"ui.kind.mains", "Whole-home meter", "Mesurydd y tŷ cyfan"},
    Entry{"ui.kind.gas_meter", "Gas meter", "Mesurydd nwy"},
    Entry{"ui.kind.outdoor", "Outdoor sensor", "Synhwyrydd awyr agored"},
    Entry{"ui.setup.consent.heading", "What leaves the home", "Beth sy'n gadael y cartref"},
    Entry{"ui.setup.consent.intro", "You decide what Hearth may send to your carers and your co-op. Everything else stays on this box.",
          "Chi sy'n penderfynu beth gaiff Hearth ei anfon at eich gofalwyr a'ch cwmni cydweithredol. Mae popeth arall yn aros ar y blwch hwn."},
    Entry{"ui.setup.consent.alerts", "Alerts (for example smoke, a fall, a cold home)",
          "Rhybuddion (er enghraifft mwg, cwymp, cartref oer)"},
    Entry{"ui.setup.consent.summaries", "A daily summary of energy use and savings",
          "Crynodeb dyddiol o ddefnydd ynni ac arbedion"},
    Entry{"ui.setup.consent.never", "Readings from your plugs and sensors never leave the home.",
          "Nid yw darlleniadau o'ch plygiau a'ch synwyryddion byth yn gadael y cartref."},
    Entry{"ui.setup.consent.saved", "Saved. This applies from now on.", "Wedi'i gadw. Mae hyn yn berthnasol o hyn ymlaen."},
    Entry{"ui.setup.claims.heading", "New devices", "Dyfeisiau newydd"},
    Entry{"ui.setup.claims.intro", "A new Hearth plug or sensor asks to join. Type the code printed on it to let it in.",
          "Mae plwg neu synhwyrydd Hearth newydd yn gofyn am gael ymuno. Teipiwch y cod sydd wedi'i argraffu arno i'w adael i mewn."},
    Entry{"ui.setup.claims.none", "No new device is asking to join.", "Does dim dyfais newydd yn gofyn am gael ymuno."},
    Entry{"ui.setup.claims.asking", "{id}: asking to join", "{id}: yn gofyn am gael ymuno"},
    Entry{"ui.setup.claims.code", "Code printed on the device", "Y cod sydd wedi'i argraffu ar y ddyfais"},
    Entry{"ui.setup.claims.submit", "Add this device", "Ychwanegu'r ddyfais hon"},
    Entry{"ui.setup.claims.started", "Setting up {id}. It appears in the list below in a moment.",
          "Yn gosod {id}. Bydd yn ymddangos yn y rhestr isod mewn eiliad."},
    Entry{"ui.setup.claims.provisioning", "{id}: being set up", "{id}: yn cael ei gosod"},
    Entry{"ui.setup.claims.sent", "{id}: added", "{id}: wedi'i hychwanegu"},
    Entry{"ui.setup.claims.failed", "{id}: could not be added ({error}). Try again.",
          "{id}: methu ei hychwanegu ({error}). Rhowch gynnig arall arni."},
    Entry{"ui.setup.claims.wrong_code", "That code does not match the device. Check it and try again.",
          "Nid yw'r cod hwnnw'n cyfateb i'r ddyfais. Gwiriwch ef a rhowch gynnig arall arni."},
    Entry{"ui.setup.claims.locked", "Too many wrong codes: try again in {minutes} minutes.",
          "Gormod o godau anghywir: rhowch gynnig arall arni ymhen {minutes} munud."},
    Entry{"ui.setup.claims.off", "Adding devices is not set up on this box yet: ask your installer.",
          "Nid yw ychwanegu dyfeisiau wedi'i osod ar y blwch hwn eto: gofynnwch i'ch gosodwr."},
    Entry{"ui.setup.tariff.heading", "Your energy prices", "Eich prisiau ynni"},
    Entry{"ui.setup.tariff.intro", "From your bill. Hearth uses them to work out what each appliance costs.",
          "O'ch bil. Mae Hearth yn eu defnyddio i gyfrifo beth mae pob teclyn yn ei gostio."},
    Entry{"ui.setup.tariff.current", "Now: {name}", "Nawr: {name}"},
    Entry{"ui.setup.tariff.edited", "Now: your own prices (from {name})", "Nawr: eich prisiau eich hun (o {name})"},
    Entry{"ui.setup.tariff.unit_rate", "Electricity: price per unit (kWh), in pence",
          "Trydan: pris yr uned (kWh), mewn ceiniogau"},
    Entry{"ui.setup.tariff.standing", "Electricity: standing charge per day, in pence",
          "Trydan: tâl sefydlog y dydd, mewn ceiniogau"},
    Entry{"ui.setup.tariff.prepayment", "I pay with a prepayment meter", "Rwy'n talu gyda mesurydd rhagdalu"},
    Entry{"ui.setup.tariff.bands", "This tariff's cheaper times of day are kept as they are.",
          "Mae amseroedd rhatach y dydd ar y tariff hwn yn aros fel y maen nhw."},
    Entry{"ui.setup.tariff.invalid", "Enter a price in pence, for example 24.5.",
          "Rhowch bris mewn ceiniogau, er enghraifft 24.5."},
    Entry{"ui.setup.tariff.saved", "Saved. Costs from now on use these prices.",
          "Wedi'i gadw. Mae costau o hyn ymlaen yn defnyddio'r prisiau hyn."},
    Entry{"ui.setup.wellbeing.heading", "Wellbeing checks", "Gwiriadau lles"},
    Entry{"ui.setup.wellbeing.intro", "Hearth learns the daily routine and tells a carer when a day looks very different.",
          "Mae Hearth yn dysgu'r drefn ddyddiol ac yn dweud wrth ofalwr pan fo diwrnod yn edrych yn wahanol iawn."},
    Entry{"ui.setup.wellbeing.enabled", "Wellbeing checks are on", "Mae'r gwiriadau lles ymlaen"},
    Entry{"ui.setup.wellbeing.sensitivity", "How soon to tell a carer", "Pa mor fuan i ddweud wrth ofalwr"},
    Entry{"ui.setup.wellbeing.low", "Later (fewer alerts)", "Yn hwyrach (llai o rybuddion)"},
    Entry{"ui.setup.wellbeing.normal", "Normal", "Arferol"},
    Entry{"ui.setup.wellbeing.high", "Sooner (more alerts)", "Yn gynt (mwy o rybuddion)"},
    Entry{"ui.setup.wellbeing.saved", "Saved", "Wedi'i gadw"},
    Entry{"ui.setup.data.heading", "Your data", "Eich data"},
    Entry{"ui.setup.data.intro", "Download everything Hearth keeps about your home, or erase its history.",
          "Lawrlwythwch bopeth y mae Hearth yn ei gadw am eich cartref, neu dilëwch ei hanes."},
    Entry{"ui.setup.data.export", "Download everything (JSON)", "Lawrlwytho popeth (JSON)"},
    Entry{"ui.setup.data.day", "Every reading of one day", "Pob darlleniad o un diwrnod"},
    Entry{"ui.setup.data.export_day", "Download the day (CSV)", "Lawrlwytho'r diwrnod (CSV)"},
    Entry{"ui.setup.data.erase_heading", "Erase the history", "Dileu'r hanes"},
    Entry{"ui.setup.data.erase_intro",
          "Erases readings, past alerts, activity and the learned routine. Alerts still open and your accounts stay. This cannot be undone.",
          "Yn dileu darlleniadau, hen rybuddion, gweithgarwch a'r drefn a ddysgwyd. Mae rhybuddion sy'n dal ar agor a'ch cyfrifon yn aros. Ni ellir dadwneud hyn."},
    Entry{"ui.setup.data.erase_password", "Your password", "Eich cyfrinair"},
    Entry{"ui.setup.data.erase_confirm", "I understand this cannot be undone", "Rwy'n deall na ellir dadwneud hyn"},
    Entry{"ui.setup.data.erase_tick", "Tick the box first", "Ticiwch y blwch yn gyntaf"},
    Entry{"ui.setup.data.erase_password_wrong", "The password is not right", "Nid yw'r cyfrinair yn gywir"},
    Entry{"ui.setup.data.erase", "Erase the history", "Dileu'r hanes"},
    Entry{"ui.setup.data.erased", "Erased: {readings} readings and {alerts} past alerts",
          "Wedi dileu: {readings} darlleniad a {alerts} hen rybudd"},
    // co-op dashboard (coordinator/www/, served by hearth-coordinator): coordinators and analysts
    Entry{"ui.role.analyst", "Analyst", "Dadansoddwr"},
    Entry{"ui.coop.title", "Hearth co-op", "Cydweithfa Hearth"},
    Entry{"ui.coop.who", "Signed in as {name} ({role}, {coop})", "Wedi mewngofnodi fel {name} ({role}, {coop})"},
    Entry{"ui.coop.signin.heading", "Sign in with your token", "Mewngofnodi gyda'ch tocyn"},
    Entry{"ui.coop.signin.help", "Paste the token the co-op's administrator gave you. It is kept in this tab only and forgotten when you close it.", "Gludwch y tocyn a gawsoch gan weinyddwr y gydweithfa. Mae'n cael ei gadw yn y tab hwn yn unig ac yn cael ei anghofio pan fyddwch yn ei gau."},
    Entry{"ui.coop.signin.token", "Token", "Tocyn"},
    Entry{"ui.coop.signin.failed", "That token was not accepted", "Ni chafodd y tocyn hwnnw ei dderbyn"},
    Entry{"ui.coop.signin.expired", "Please sign in again: your token was not accepted", "Mewngofnodwch eto: ni chafodd eich tocyn ei dderbyn"},
    Entry{"ui.coop.offline", "no connection to the server", "dim cysylltiad â'r gweinydd"},
    Entry{"ui.coop.tab.homes", "Homes", "Cartrefi"},
    Entry{"ui.coop.tab.report", "Savings and fuel poverty", "Arbedion a thlodi tanwydd"},
    Entry{"ui.coop.homes.heading", "Homes and their alerts", "Cartrefi a'u rhybuddion"},
    Entry{"ui.coop.homes.summary", "{homes} homes, {open} with an open alert", "{homes} cartref, {open} gyda rhybudd agored"},
    Entry{"ui.coop.homes.home", "Home", "Cartref"},
    Entry{"ui.coop.homes.status", "Status", "Statws"},
    Entry{"ui.coop.homes.open", "Open alerts", "Rhybuddion agored"},
    Entry{"ui.coop.homes.latest", "Latest alert", "Rhybudd diweddaraf"},
    Entry{"ui.coop.homes.actions", "Actions", "Gweithredoedd"},
    Entry{"ui.coop.homes.no_alerts", "No alerts yet", "Dim rhybuddion eto"},
    Entry{"ui.coop.homes.view", "Alerts", "Rhybuddion"},
    Entry{"ui.coop.status.alert", "Open alert", "Rhybudd agored"},
    Entry{"ui.coop.status.ok", "No open alert", "Dim rhybudd agored"},
    Entry{"ui.coop.home.heading", "Alerts of home {home}", "Rhybuddion cartref {home}"},
    Entry{"ui.coop.home.back", "Back to all homes", "Yn ôl i bob cartref"},
    Entry{"ui.coop.home.none", "This home has sent no alerts.", "Nid yw'r cartref hwn wedi anfon unrhyw rybudd."},
    Entry{"ui.coop.alert.raised_at", "raised {time}", "codwyd {time}"},
    Entry{"ui.coop.alert.raised", "Raised at the home", "Codwyd yn y cartref"},
    Entry{"ui.coop.alert.received", "Received by the co-op", "Derbyniwyd gan y gydweithfa"},
    Entry{"ui.coop.alert.acknowledged", "Acknowledged", "Cydnabuwyd"},
    Entry{"ui.coop.alert.acknowledged_by", "{time} by {by}", "{time} gan {by}"},
    Entry{"ui.coop.alert.resolved", "Resolved", "Datryswyd"},
    Entry{"ui.coop.alert.events", "Events received", "Digwyddiadau a dderbyniwyd"},
    Entry{"ui.coop.steps.heading", "Escalation", "Uwchgyfeirio"},
    Entry{"ui.coop.step.notified", "Told", "Wedi dweud wrth"},
    Entry{"ui.coop.step.escalated", "Escalated to", "Wedi uwchgyfeirio at"},
    Entry{"ui.coop.step.delivered", "Reached", "Wedi cyrraedd"},
    Entry{"ui.coop.step.delivery_failed", "Could not reach", "Methu cyrraedd"},
    Entry{"ui.coop.step.acknowledged", "Acknowledged by", "Wedi'i gydnabod gan"},
    Entry{"ui.coop.step.attended", "Arrived at the home:", "Wedi cyrraedd y cartref:"},
    Entry{"ui.coop.step.resolved", "Resolved", "Wedi'i ddatrys"},
    Entry{"ui.coop.step.exhausted", "No one left to tell", "Neb ar ôl i ddweud wrthynt"},
    Entry{"ui.coop.step.no_rota", "No rota for this home", "Dim rota ar gyfer y cartref hwn"},
    Entry{"ui.coop.responses",
          "Responses: {ack60} of {alerts} alerts acknowledged within 60 s, {ack180} within 180 s; someone arrived for {attended}.",
          "Ymatebion: {ack60} o {alerts} rhybudd wedi'u cydnabod o fewn 60 eiliad, {ack180} o fewn 180 eiliad; daeth rhywun ar gyfer {attended}."},
    Entry{"ui.coop.ack.note", "Note for the home (optional)", "Nodyn i'r cartref (dewisol)"},
    Entry{"ui.coop.ack.button", "Acknowledge", "Cydnabod"},
    Entry{"ui.coop.ack.queued", "Acknowledgement sent to the home. It shows here once the home confirms it.", "Anfonwyd y gydnabyddiaeth i'r cartref. Bydd yn ymddangos yma pan fydd y cartref yn ei chadarnhau."},
    Entry{"ui.coop.report.heading", "Savings and fuel-poverty report", "Adroddiad arbedion a thlodi tanwydd"},
    Entry{"ui.coop.report.intro", "Figures for the co-op's homes together: energy saved against each home's own baseline, and fuel-poverty indicators. No home is ever shown on its own.", "Ffigurau ar gyfer cartrefi'r gydweithfa gyda'i gilydd: ynni a arbedwyd o'i gymharu â llinell sylfaen pob cartref, a dangosyddion tlodi tanwydd. Ni ddangosir unrhyw gartref ar ei ben ei hun."},
    Entry{"ui.coop.report.from", "From", "O"},
    Entry{"ui.coop.report.to", "To", "Hyd at"},
    Entry{"ui.coop.report.by", "By", "Fesul"},
    Entry{"ui.coop.report.by_day", "Day", "Diwrnod"},
    Entry{"ui.coop.report.by_week", "Week", "Wythnos"},
    Entry{"ui.coop.report.by_month", "Month", "Mis"},
    Entry{"ui.coop.report.show", "Show", "Dangos"},
    Entry{"ui.coop.report.csv", "Download CSV", "Lawrlwytho CSV"},
    Entry{"ui.coop.report.meta", "Every figure covers at least {k} homes. Days up to {date} are final; later days are not shown yet.", "Mae pob ffigur yn cwmpasu o leiaf {k} cartref. Mae dyddiau hyd at {date} yn derfynol; ni ddangosir dyddiau diweddarach eto."},
    Entry{"ui.coop.report.late", "{count} summaries arrived too late to count.", "Cyrhaeddodd {count} crynodeb yn rhy hwyr i'w cyfrif."},
    Entry{"ui.coop.report.days_left_out", "{days} day(s) left out", "{days} diwrnod wedi'u hepgor"},
    Entry{"ui.coop.report.period", "Period", "Cyfnod"},
    Entry{"ui.coop.report.homes", "Homes", "Cartrefi"},
    Entry{"ui.coop.report.electricity_kwh", "Electricity (kWh)", "Trydan (kWh)"},
    Entry{"ui.coop.report.cost", "Energy cost", "Cost ynni"},
    Entry{"ui.coop.report.saved_kwh", "Saved (kWh)", "Arbedwyd (kWh)"},
    Entry{"ui.coop.report.saved_money", "Saved (£)", "Arbedwyd (£)"},
    Entry{"ui.coop.report.saved_pct", "Saved (%)", "Arbedwyd (%)"},
    Entry{"ui.coop.report.saved_co2", "CO₂ saved (kg)", "CO₂ a arbedwyd (kg)"},
    Entry{"ui.coop.report.payback", "Payback (months)", "Ad-dalu (misoedd)"},
    Entry{"ui.coop.report.cold_hours", "Cold-home hours per home-day", "Oriau cartref oer fesul diwrnod cartref"},
    Entry{"ui.coop.report.self_rationing", "Homes self-rationing", "Cartrefi'n dogni eu hunain"},
    Entry{"ui.coop.report.above_10pct", "Homes above the 10% line", "Cartrefi dros y llinell 10%"},
    Entry{"ui.coop.report.suppressed", "Fewer than {k} homes: not shown", "Llai na {k} cartref: heb ei ddangos"},
    Entry{"ui.coop.report.privacy", "A period or figure that would cover fewer than the co-op's minimum number of homes is never shown: not in the table, the charts or the CSV.", "Ni ddangosir byth gyfnod na ffigur a fyddai'n cwmpasu llai na lleiafswm cartrefi'r gydweithfa: nid yn y tabl, y siartiau na'r CSV."},
    Entry{"ui.coop.chart.saved_kwh", "Energy saved per period (kWh)", "Ynni a arbedwyd fesul cyfnod (kWh)"},
    Entry{"ui.coop.chart.cold_hours", "Cold-home hours per home-day", "Oriau cartref oer fesul diwrnod cartref"},
    // clang-format on
    // --- end dashboard UI ---
    // --- hearth-coordinator escalation email (coordinator/notifier.cpp) ---
    Entry{"notify.email.subject", "Hearth alert at {home}: {text}", "Rhybudd Hearth yn {home}: {text}"},
    Entry{"notify.email.greeting", "Hello {name},", "Helo {name},"},
    Entry{"notify.email.raised", "Hearth raised this alert at home {home} at {time} UTC:",
          "Cododd Hearth y rhybudd hwn yng nghartref {home} am {time} UTC:"},
    Entry{"notify.email.escalated", "Nobody before you on the rota acknowledged it in time.",
          "Ni wnaeth neb o'ch blaen ar y rota ei gydnabod mewn pryd."},
    Entry{"notify.email.action",
          "Please acknowledge it in the carer app, or call the co-op's duty coordinator, and go to the home if you "
          "can.",
          "Cydnabyddwch ef yn yr ap gofalwr, neu ffoniwch gydlynydd dyletswydd y gydweithfa, ac ewch i'r cartref os "
          "gallwch."},
    Entry{"notify.email.footer", "Alert {alert}, step {step} of the home's rota ({role}).",
          "Rhybudd {alert}, cam {step} o rota'r cartref ({role})."},
};

const Entry* find(std::string_view key) {
  for (const auto& e : CATALOGUE) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string param_text(std::string_view name, const std::string& value, Language lang) {
  if (!ends_with(name, "_min")) return value;
  try {
    return format_duration(std::stoll(value), lang);
  } catch (const std::exception&) {
    return value;  // not a number: show it as given rather than lose it
  }
}

}  // namespace

std::string format_duration(long long minutes, Language lang) {
  if (minutes < 0) minutes = 0;
  const long long h = minutes / 60;
  const long long m = minutes % 60;
  const bool en = lang == Language::en;
  std::string out;
  if (h > 0) out = std::to_string(h) + (en ? " h" : " awr");
  if (m > 0 || h == 0) {
    if (!out.empty()) out += ' ';
    out += std::to_string(m) + (en ? " min" : " munud");
  }
  return out;
}

std::string render(std::string_view key, Language lang, const std::map<std::string, std::string>& params) {
  const Entry* e = find(key);
  if (e == nullptr) return std::string(key);
  const std::string_view text = lang == Language::cy ? e->cy : e->en;
  std::string out;
  out.reserve(text.size() + 32);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find('{', i);
    const auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const std::string name(text.substr(open + 1, close - open - 1));
    const auto it = params.find(name);
    out += it == params.end() ? std::string(text.substr(open, close - open + 1)) : param_text(name, it->second, lang);
    i = close + 1;
  }
  return out;
}

std::vector<std::string_view> message_keys() {
  std::vector<std::string_view> keys;
  for (const auto& e : CATALOGUE) keys.push_back(e.key);
  return keys;
}

bool has_message(std::string_view key, Language lang) {
  const Entry* e = find(key);
  return e != nullptr && !(lang == Language::cy ? e->cy : e->en).empty();
}

}  // namespace hearth::rules
