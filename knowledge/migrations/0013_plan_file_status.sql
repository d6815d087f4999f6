-- Version 13: the plan file and the chat share a project's status, and owners get a name.
-- 'file_status' is the status the plan file gave the item at its last import. A file
-- imported again that still says the same leaves a status set in chat (`!projektstatus`)
-- alone; one that says something new has the last word (in another town's trial,
-- importing the unchanged file again silently undid the status set in chat). Existing
-- items start with their current status, as if the file had given it.
ALTER TABLE plan_items ADD COLUMN file_status TEXT;
UPDATE plan_items SET file_status = status;
-- 'owner_name': how the plan names the owner ("Jana Wagner"), shown where the bot does not
-- know them from chat. For display only: questions still reach the owner by user id, since
-- anybody can take any name.
ALTER TABLE plan_items ADD COLUMN owner_name TEXT;
