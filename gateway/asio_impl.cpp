// Asio's implementation, compiled once for the whole project (BOOST_ASIO_SEPARATE_COMPILATION):
// every other TU that includes Asio only sees declarations, which saves seconds per file.
#include <utility>  // Asio's awaitable.hpp uses std::exchange without including it (asio#944)

#include <boost/asio/impl/src.hpp>
