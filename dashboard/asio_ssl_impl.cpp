// Asio's SSL implementation, compiled once (BOOST_ASIO_SEPARATE_COMPILATION; the rest of Asio is
// in gateway/asio_impl.cpp). Only the dashboard's HTTPS server uses it.
#include <utility>  // before Asio (asio#944)

#include <boost/asio/ssl/impl/src.hpp>
