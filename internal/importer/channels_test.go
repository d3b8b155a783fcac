package importer_test

import _ "postvakt/internal/channel/registered" // registrations name the channels a row may use
