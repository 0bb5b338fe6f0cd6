// cairn/deploy.hpp: deploying a built generation to another machine over ssh (deploy/deploy.hpp)
// and the target's side of it (deploy/serve.hpp).
#pragma once

#include <cairn/deploy/channel.hpp>
#include <cairn/deploy/copy.hpp>
#include <cairn/deploy/deploy.hpp>
#include <cairn/deploy/serve.hpp>
#include <cairn/deploy/ssh.hpp>
