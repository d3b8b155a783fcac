package notice

import _ "postvakt/internal/channel/registered" // the channels' names in messages come from their registrations
