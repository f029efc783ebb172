-- Goalpost schema: the teacher PIN's wrong tries, kept with the class (issue 13), so that
-- restarting the app or the station gives no fresh tries.
--
-- failures    wrong PINs since the last right one
-- wait_until  no try is accepted before this time (NULL: try now)
CREATE TABLE pin_tries (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    failures   INTEGER NOT NULL CHECK (failures >= 0),
    wait_until TEXT
);
