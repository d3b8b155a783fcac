package web

import _ "postvakt/internal/channel/registered" // registrations name the channels a shipment may use
