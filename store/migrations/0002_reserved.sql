-- 0002_reserved.sql - a placeholder holding version 2 on the h-api branch only:
-- version 2 belongs to the store's publish step (another branch). When both
-- branches are merged, DELETE this file and keep the store's 0002 (the build
-- refuses two files of one version). It changes nothing.
SELECT 1;
